import Glibc

/// Polls `condition` every 20 ms until it holds or `seconds` pass (5 s: a generous bound for a
/// loaded machine). The caller asserts on the condition afterwards.
public func eventually(seconds: Double = 5, _ condition: () -> Bool) {
    var waited = 0.0
    while !condition() && waited < seconds { usleep(20_000); waited += 0.02 }
}
