"""Usage where it lives: google-genai responses (`price_response`) and a metering client wrapper (`Meter`).

google-genai itself is never imported here: these modules read the SDK's objects by their attributes, so
`costcalc estimate` and `costcalc bill` never pay for importing it.
"""
