/// RouteroState owns state that every worker on every host shares through Redis: for now the
/// exact-match response cache. Key layout: `<namespace>:cache:v2:<sha256 of scope, route and body>`.
enum RouteroStateModule {}
