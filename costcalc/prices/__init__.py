"""Price files: reading them safely, validating, caching, comparing with older copies and with peers."""
