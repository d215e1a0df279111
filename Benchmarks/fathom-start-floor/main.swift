// The start-up floor `fathom-bench network` times beside the agent: a Swift program whose async
// main does nothing, built and linked as the agent is (static standard library, the agent's link
// flags). Its process start and exit are what any Swift command pays before its first line of
// work, so no one-shot `fathom-agent` command can start faster than this does.
@main struct StartFloor {
    static func main() async {}
}
