"""Text -> typed findings. Raw values live only inside this package; entry point: `engine`."""
