"""Live views: the overlay view model, frame annotation, emoji, palette, virtual camera."""
