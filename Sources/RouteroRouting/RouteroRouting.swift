/// RouteroRouting owns turning a model string (configured group, wildcard, `provider/model` or bare
/// name) into an ordered plan of upstream targets, with weighted selection; pure.
enum RouteroRoutingModule {}
