"""Cost rules as pure functions: exact money, one request, one cache, estimates and break-even."""
