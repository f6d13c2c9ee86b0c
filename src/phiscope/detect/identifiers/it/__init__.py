"""Italy."""
