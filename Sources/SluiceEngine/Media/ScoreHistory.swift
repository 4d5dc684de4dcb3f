/// Stream quality 0–10 from delivered/expected packets per interval, weighted towards recent
/// intervals over a 24-entry history (as the reference engine scores).
struct ScoreHistory {
    private var scores: [Int] = []
    private(set) var score = 10

    mutating func update(expected: Int, delivered: Int) {
        guard expected > 0 else { return }
        let ratio = min(1.0, max(0.0, Double(delivered) / Double(expected)))
        let intervalScore = Int((ratio * ratio * ratio * ratio * 10).rounded())
        scores.append(intervalScore)
        if scores.count > 24 { scores.removeFirst() }
        var weighted = 0
        var weights = 0
        for (index, value) in scores.enumerated() {
            weighted += value * (index + 1)
            weights += index + 1
        }
        score = Int((Double(weighted) / Double(weights)).rounded())
    }
}
