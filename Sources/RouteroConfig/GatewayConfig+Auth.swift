extension GatewayConfig {
    /// Fail closed on client authentication: the gateway holds provider keys, so serving without
    /// a master key must be an explicit choice (`auth.mode: none`, or `--auth none` for either
    /// format), never the result of a forgotten setting.
    /// - Returns: the problem naming the setting, or nil when the configuration may be served.
    public func clientAuthProblem() -> ConfigError? {
        let keyPath = format == .litellm ? "general_settings.master_key" : "auth.master_key"
        let optOut = format == .litellm ? "start with --auth none" : "set auth.mode: none"
        switch auth.mode {
        case .none:
            guard auth.masterKey == nil else {
                return ConfigError(keyPath: format == .litellm ? "--auth" : "auth.mode",
                                   message: "\"none\" contradicts \(keyPath), which is set; remove one of them")
            }
            return nil
        case .masterKey:
            guard auth.masterKey == nil else { return nil }
            return ConfigError(keyPath: keyPath,
                               message: "not set: every client could spend the gateway's provider keys. Set it "
                                   + "(e.g. os.environ/ROUTERO_MASTER_KEY), or \(optOut) for a local experiment "
                                   + "without authentication")
        }
    }
}
