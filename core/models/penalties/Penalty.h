#pragma once

#include <optional>
#include <string>

namespace bilevel {

// The penalty ρ a Fields-of-Experts model applies to every filter response (DESIGN.md §2, seed
// 004). Each kind is a struct with inline value, first and second derivative (StudentT.h,
// Charbonnier.h), so the per-response loops are templated on it and vectorise without a call or a
// branch per response.
enum class PenaltyKind {
  StudentT,     // ρ(z) = log(1 + z²): heavy-tailed, non-convex (ρ'' < 0 for |z| > 1)
  Charbonnier,  // ρ(z) = √(1 + z²) − 1: convex, linear growth
};

// "student-t", "charbonnier": configuration values (model.penalty) and file names.
std::string toString(PenaltyKind kind);
// The kind named `text`, or nothing when no kind has that name.
std::optional<PenaltyKind> parsePenaltyKind(const std::string& text);
// "student-t, charbonnier": what an error about model.penalty offers.
std::string penaltyKindNames();

// Bounds of ρ'' over ℝ: the curvature of the penalty term lies between
// minimum·Σ ν_k ‖K_k‖² and maximum·Σ ν_k ‖K_k‖² (the Lipschitz and strong-convexity bounds).
double penaltyCurvatureMaximum(PenaltyKind kind);
double penaltyCurvatureMinimum(PenaltyKind kind);

// ρ(z) and ρ'(z) of a kind, for plots (the studio's penalty curve); the solver loops use the
// inline structs instead.
double penaltyValue(PenaltyKind kind, double z);
double penaltyDerivative(PenaltyKind kind, double z);

}  // namespace bilevel
