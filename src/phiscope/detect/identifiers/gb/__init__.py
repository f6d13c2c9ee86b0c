"""United Kingdom: NHS number."""
