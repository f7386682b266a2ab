"""`costcalc bill` of OpenTelemetry spans written by opentelemetry-instrumentation-google-genai."""
