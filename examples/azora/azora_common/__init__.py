"""Code shared by azora's services (copied next to each service's app.py at build time)."""
