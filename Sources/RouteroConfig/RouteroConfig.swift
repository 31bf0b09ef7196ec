/// RouteroConfig owns configuration: plain value types and loading them from YAML, in Routero's
/// native schema or LiteLLM's proxy `config.yaml` unchanged, validated at start-up with errors that
/// name the key (see deploy/CONFIG.md).
enum RouteroConfigModule {}
