import Foundation

/// Fixed-decimal formatting for the printed figures (no locale: the output is meant to be pasted).
func fmt(_ value: Double, _ decimals: Int = 2) -> String {
    String(format: "%.\(decimals)f", value)
}

/// "PASS"/"FAIL" next to a bar, so a reader sees the verdict without redoing the arithmetic.
func verdict(_ ok: Bool) -> String { ok ? "PASS" : "FAIL" }
