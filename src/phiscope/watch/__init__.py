"""`phiscope watch`: a continuous guard that alerts on new exposures and new health data (docs/watch.md)."""
