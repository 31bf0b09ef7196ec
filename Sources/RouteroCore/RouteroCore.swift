/// RouteroCore owns the canonical model: JSON values, SSE framing, typed gateway errors, hashing and logging.
enum RouteroCoreModule {}
