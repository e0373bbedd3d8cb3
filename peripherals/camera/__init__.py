"""Camera code scanner: OpenCV capture and pyzbar decoding."""
