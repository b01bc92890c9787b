"""Live preview: watch mode (watch.py: watchdog events → settle → the same build()) and the preview
server (server.py: site/ on loopback, with livereload.js injected into HTML responses)."""
