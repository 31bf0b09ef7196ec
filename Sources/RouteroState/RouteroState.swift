/// RouteroState owns state that every worker on every host shares through Redis: for now the
/// exact-match response cache. Key layout: `<namespace>:cache:v1:<sha256>`.
enum RouteroStateModule {}
