import RouteroConfig
import RouteroRouting
import Testing

@Suite("Weighted selection")
struct SelectionTests {
    let env = ["OPENAI_API_KEY": "sk-0006", "GROQ_API_KEY": "gsk-0007", "TOGETHER_API_KEY": "tg-0008"]

    /// How often each deployment id comes first over `draws` plans.
    func firstPicks(_ router: ModelRouter, model: String, draws: Int = 10_000, seed: UInt64 = 42) throws -> [String: Int] {
        var rng = SeededRNG(seed: seed)
        var counts: [String: Int] = [:]
        for _ in 0..<draws {
            let plan = try router.plan(model: model, using: &rng)
            counts[plan.attempts[0].deploymentID, default: 0] += 1
        }
        return counts
    }

    @Test func weightsAreRespected() throws {
        let router = try makeRouter("""
            models:
              - name: m
                deployments:
                  - {id: a, model: openai/gpt-4o, weight: 3}
                  - {id: b, model: groq/llama-3.3-70b-versatile, weight: 1}
            """, environment: env)
        let counts = try firstPicks(router, model: "m")
        let share = Double(counts["a", default: 0]) / 10_000
        #expect(abs(share - 0.75) < 0.02, "a first in \(share) of plans")
        // Every plan still lists both deployments.
        var rng = SeededRNG(seed: 1)
        #expect(Set(try router.plan(model: "m", using: &rng).attempts.map(\.deploymentID)) == ["a", "b"])
    }

    @Test func rpmActsAsWeightWhenNoWeightIsSet() throws {
        let router = try makeRouter("""
            model_list:
              - {model_name: m, litellm_params: {model: openai/gpt-4o, rpm: 100}, model_info: {id: a}}
              - {model_name: m, litellm_params: {model: openai/gpt-4o-mini, rpm: 300}, model_info: {id: b}}
              - {model_name: m, litellm_params: {model: openai/o3-mini, rpm: 600}, model_info: {id: c}}
            """, environment: env)
        let counts = try firstPicks(router, model: "m")
        #expect(abs(Double(counts["a", default: 0]) / 10_000 - 0.1) < 0.02)
        #expect(abs(Double(counts["b", default: 0]) / 10_000 - 0.3) < 0.02)
        #expect(abs(Double(counts["c", default: 0]) / 10_000 - 0.6) < 0.02)
    }

    @Test func equalWeightsByDefault() throws {
        let router = try makeRouter("""
            models:
              - name: m
                deployments: [{id: a, model: openai/gpt-4o}, {id: b, model: openai/gpt-4o}]
            """, environment: env)
        let counts = try firstPicks(router, model: "m")
        #expect(abs(Double(counts["a", default: 0]) / 10_000 - 0.5) < 0.02)
    }

    @Test func orderTiersComeFirstThenUnordered() throws {
        let router = try makeRouter("""
            models:
              - name: m
                deployments:
                  - {id: none-1, model: openai/gpt-4o, weight: 100}
                  - {id: second, model: openai/gpt-4o, order: 2}
                  - {id: first-a, model: openai/gpt-4o, order: 1, weight: 1}
                  - {id: first-b, model: openai/gpt-4o, order: 1, weight: 1}
                  - {id: none-2, model: openai/gpt-4o}
            """, environment: env)
        var rng = SeededRNG(seed: 7)
        var firstTierLeaders: Set<String> = []
        for _ in 0..<200 {
            let ids = try router.plan(model: "m", using: &rng).attempts.map(\.deploymentID)
            #expect(Set(ids.prefix(2)) == ["first-a", "first-b"])
            #expect(ids[2] == "second")
            #expect(Set(ids.suffix(2)) == ["none-1", "none-2"])
            firstTierLeaders.insert(ids[0])
        }
        // Both members of the first tier get to lead.
        #expect(firstTierLeaders == ["first-a", "first-b"])
    }

    @Test func sameSeedSamePlan() throws {
        let router = try makeRouter("""
            models:
              - name: m
                deployments: [{id: a, model: openai/gpt-4o}, {id: b, model: openai/gpt-4o}, {id: c, model: openai/gpt-4o}]
            """, environment: env)
        var first = SeededRNG(seed: 99), second = SeededRNG(seed: 99)
        for _ in 0..<20 {
            #expect(try router.plan(model: "m", using: &first).attempts.map(\.deploymentID)
                    == router.plan(model: "m", using: &second).attempts.map(\.deploymentID))
        }
    }
}
