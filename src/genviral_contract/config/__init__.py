"""What a run is pointed at: the settings read from the environment and options, and the
target they name (staging, or the embedded reference API)."""
