"""The costcalc command line: a thin shell over the library."""
