#pragma once

#include "common/Vector.h"

namespace bilevel {

// What an inner solver carries from one solve to the next besides the primal point x (issue 9 §1:
// solver state is an object that solvers, warm starts and methods pass around, not a hidden
// member). x itself travels as the solve's and the methods' x argument. A learning session keeps
// one per training pair and hands it to the solves of the next outer step through
// SolveOptions::state.
struct SolverState {
  // The dual variable of a primal–dual solver (Chambolle–Pock's q, one 2-vector per pixel).
  // Empty: the solver starts from q = 0. Without it a warm start from x alone restarts q at 0 and
  // saves nothing (measured on rof-denoise at 64²: 2,150 iterations a step against 2,168 cold).
  Vector dual;
  // The adjoint a of the last implicit hypergradient at this sample (AdjointHypergradient), kept
  // only when `keepAdjoint` is set: implicit-cg then starts CG from it (its stopping test is on the
  // relative residual, so the warm start changes the work, not the accuracy), the warm start of
  // dataset learning (DatasetLearning.h, AmIGO-style). The other implicit methods overwrite it.
  Vector adjoint;
  bool keepAdjoint = false;
};

}  // namespace bilevel
