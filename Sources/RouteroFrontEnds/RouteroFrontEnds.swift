/// RouteroFrontEnds owns the entry formats: one pure codec per client wire format, from the client's
/// request to the canonical model and from canonical answers, stream events and errors back.
enum RouteroFrontEndsModule {}
