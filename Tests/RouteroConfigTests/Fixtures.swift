/// A LiteLLM proxy config.yaml as users write it (comments, quoting styles, flow and block
/// collections, wildcards, os.environ references), parsed verbatim by the tests.
let liteLLMConfig = """
# LiteLLM proxy config, unchanged
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 500
      tpm: 200000
    model_info:
      id: gpt4o-primary
      mode: chat
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: https://eu.example.test/v1/
      api_key: os.environ/OPENAI_EU_KEY
      weight: 2
      order: 2
      timeout: 30
      stream_timeout: 10
      max_retries: 2
      extra_headers: {X-Team: search}
  - model_name: llama-fast
    litellm_params:
      model: groq/llama-3.3-70b-versatile
      api_key: os.environ/GROQ_API_KEY
      temperature: 0.2
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_key: os.environ/ANTHROPIC_API_KEY
  - model_name: bedrock-claude
    litellm_params:
      model: bedrock/anthropic.claude-3-sonnet-20240229-v1:0
      aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID
      aws_secret_access_key: os.environ/AWS_SECRET_ACCESS_KEY
      aws_region_name: us-east-1
  - model_name: local-vllm
    litellm_params:
      model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct
      base_url: http://10.0.0.5:8000/v1
  - model_name: "openai/*"
    litellm_params:
      model: "openai/*"
      api_key: os.environ/OPENAI_API_KEY
  - model_name: "*"
    litellm_params:
      model: "openai/*"

environment_variables:
  OPENAI_EU_KEY: "sk-eu-from-config-0001"
  GROQ_API_KEY: gsk-from-config-0002

router_settings:
  routing_strategy: simple-shuffle
  redis_host: os.environ/REDIS_HOST
  redis_port: 6380
  redis_password: os.environ/REDIS_PASSWORD
  num_retries: 2
  timeout: 120
  fallbacks: [{"gpt-4o": ["llama-fast"]}]
  context_window_fallbacks: [{"llama-fast": ["gpt-4o"]}]
  allowed_fails: 3
  cooldown_time: 30
  enable_pre_call_checks: true

litellm_settings:
  drop_params: True
  set_verbose: False
  request_timeout: 300
  num_retries: 3
  cache: true
  cache_params:
    type: redis
    ttl: 900
    namespace: litellm.caching
    supported_call_types: ["acompletion", "completion"]
  success_callback: ["langfuse"]
  default_fallbacks: ["gpt-4o"]

general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: os.environ/DATABASE_URL
"""

/// The environment the LiteLLM fixture expects (DATABASE_URL deliberately unset: unknown keys
/// are not resolved).
let liteLLMEnvironment = [
    "OPENAI_API_KEY": "sk-openai-env-0003",
    "ANTHROPIC_API_KEY": "sk-ant-env-0004",
    "AWS_ACCESS_KEY_ID": "AKIA-env-0005",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-env-0006",
    "REDIS_HOST": "redis.internal",
    "REDIS_PASSWORD": "redis-pass-env-0007",
    "LITELLM_MASTER_KEY": "sk-master-env-0008",
]

/// A native config using every section.
let nativeConfig = """
server:
  max_body_bytes: 1048576
  max_concurrent_requests: 512
  drain_timeout_seconds: 0
  upstream_timeout_seconds: 90.5
  connect_timeout_seconds: 5
  log_level: warning
auth:
  master_key: os.environ/ROUTERO_MASTER_KEY
redis:
  url: redis://:p%40ss-url-0009@10.1.2.3:6390/2
  connect_timeout_ms: 100
  command_timeout_ms: 300
cache: {enabled: true, ttl_seconds: 60, namespace: rt}
providers:
  openai: {api_base: "https://proxy.example.test/v1/", api_key: os.environ/OPENAI_API_KEY}
  groq:
    extra_headers: {X-Org: acme}
allow_unlisted_models: false
routing:
  num_retries: 1
  fallbacks: {smart/balanced: [fast]}
models:
  - name: smart/balanced
    deployments:
      - {model: openai/gpt-4o, weight: 3}
      - {model: groq/llama-3.3-70b-versatile, api_key: os.environ/GROQ_API_KEY, weight: 1, order: 1, id: groq-main}
  - name: fast
    deployments:
      - model: groq/llama-3.1-8b-instant
        api_key: os.environ/GROQ_API_KEY
"""

let nativeEnvironment = [
    "ROUTERO_MASTER_KEY": "rk-master-env-0010",
    "OPENAI_API_KEY": "sk-openai-env-0011",
    "GROQ_API_KEY": "gsk-env-0012",
]
