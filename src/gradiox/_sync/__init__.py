"""The sync facade's machinery: one event-loop thread per process."""
