#!/usr/bin/python3
"""PyTorch reference of issue 11 §5: one full-batch implicit hypergradient of Fields of Experts.

Boundary: 'valid' correlation. A filter's responses are taken only where the s×s filter fits inside
the patch ((H−s+1)×(W−s+1) responses), with torch.nn.functional.conv2d without padding, which is a
correlation (no kernel flip); its adjoint is conv_transpose2d with the same weights. This is what
core/models/FieldsOfExperts.h does with model.boundary "valid" (core/operators/
FilterBankCorrelation.h); its default, "symmetric", mirrors the picture first.

The lower level (DESIGN.md §2, issue 11 §1), for each patch y_b of the batch:
    E(x, θ) = ½‖x − y‖² + Σ_k ν_k Σ_i ρ((k_k ⋆ x)_i),   ρ(z) = log(1 + z²)  (Student-t),
    k_k = Σ_l ϑ_kl K_l,  K_l the s×s orthonormal 2-D DCT-II atoms without the constant one,
ordered by frequency u + v, then by u (core/operators/DctFilterBasis.h); θ = (ν ∈ ℝ^K, then ϑ
row-major, K × (s² − 1)), the layout of the C++ model. The initial θ is FieldsOfExperts'
defaultParameters: ν_k = 0.01 and filter k the k-th atom scaled to norm 10 (with K ≤ s² − 1, as for
48 filters of 7×7, no random numbers are involved).

The upper level is the batch's mean loss U(θ) = (1/B) Σ_b ½‖x*_b(θ) − c_b‖² (DatasetLearning.h:
the learning objective is the mean loss over a batch). The energies of the patches are independent,
so the batch is solved as one problem in the stacked x: E_batch = Σ_b E_b.

Stages, timed separately:
  solve          L-BFGS as core/solvers/Lbfgs.cpp: memory 10, H₀ = (sᵀy / yᵀy) I, Armijo
                 backtracking from step 1 (c = 1e-4, 40 halvings, a 1/L gradient step if none is
                 accepted, L = 1 + 2 Σ_k ν_k ‖k_k‖₁²), from x = y, stopped when
                 ‖∂_xE(x)‖ ≤ tol · ‖∂_xE(y)‖ (tol = 1e-6).
  adjoint        H a = ∂_xL(x*) = (x* − c) / B by conjugate gradients on Hessian-vector products
                 by double backward (the graph of ∂_xE at x* is built once and reused), stopped at
                 a relative residual of 1e-6; a direction with pᵀHp ≤ 0 stops it (indefinite H).
  hypergradient  ∇U = −(∂²_θx E) a = −∇_θ ⟨∂_xE(x*, θ), a⟩ by one more backward pass.
Also timed (median of --repeat runs, over the whole batch): one energy+gradient evaluation (the
cost of an L-BFGS iteration) and one Hessian-vector product (the cost of a CG iteration), the
figures the C++ (bench/foe-products) is compared against.

Data (default): the 8 patches of 64×64 of bench/foe-products: patch p of benchmarkImage(256)
(core/image/BenchmarkImage.cpp) at row 64·(p div 4), column 64·(p mod 4), plus Gaussian noise of
σ = 25/255 drawn as addGaussianNoise(patch, σ, seed 1 + p) draws it (std::mt19937_64 and
libstdc++'s polar normal_distribution, reimplemented here bit for bit), so both programs solve the
same problems. --image skimage:NAME takes the patches from a scikit-image sample instead (grey, in
[0, 1]); --clean/--noisy/--theta read .npy files (or a .json list for θ) that another program
wrote; --save-inputs DIR writes clean.npy, noisy.npy (B×H×W float64) and theta.npy/theta.json.

Prints one JSON object per line. Example:
    python3 bench/foe_torch_reference.py                  # the issue's size, prints the stages
    python3 bench/foe_torch_reference.py --check --filters 8 --size 3 --patches 2 --side 24
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# The C++ data, reproduced exactly.

_MASK64 = (1 << 64) - 1


class Mt19937_64:
    """std::mt19937_64 (Matsumoto & Nishimura 2000, the 64-bit parameters of [rand.predef])."""

    def __init__(self, seed):
        self.state = [0] * 312
        self.state[0] = seed & _MASK64
        for i in range(1, 312):
            previous = self.state[i - 1]
            self.state[i] = (6364136223846793005 * (previous ^ (previous >> 62)) + i) & _MASK64
        self.index = 312

    def _twist(self):
        state = self.state
        for i in range(312):
            y = (state[i] & 0xFFFFFFFF80000000) | (state[(i + 1) % 312] & 0x7FFFFFFF)
            value = state[(i + 156) % 312] ^ (y >> 1)
            if y & 1:
                value ^= 0xB5026F5AA96619E9
            state[i] = value
        self.index = 0

    def __call__(self):
        if self.index >= 312:
            self._twist()
        y = self.state[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & _MASK64


class LibstdcxxNormal:
    """std::normal_distribution<double> of libstdc++: Marsaglia's polar method on
    generate_canonical<double, 53> (one 64-bit draw / 2⁶⁴), the second value of a pair saved."""

    def __init__(self, generator, mean, stddev):
        self.generator, self.mean, self.stddev = generator, mean, stddev
        self.saved = None

    def _uniform(self):
        value = float(self.generator()) / 18446744073709551616.0
        return value if value < 1.0 else math.nextafter(1.0, 0.0)

    def __call__(self):
        if self.saved is not None:
            value, self.saved = self.saved, None
        else:
            while True:
                x = 2.0 * self._uniform() - 1.0
                y = 2.0 * self._uniform() - 1.0
                r2 = x * x + y * y
                if not (r2 > 1.0 or r2 == 0.0):
                    break
            mult = math.sqrt(-2.0 * math.log(r2) / r2)
            self.saved = x * mult
            value = y * mult
        return value * self.stddev + self.mean


def benchmark_image(n):
    """core/image/BenchmarkImage.cpp: a disc plus a horizontal sinusoid, in [0, 1]."""
    image = np.empty((n, n))
    for r in range(n):
        for c in range(n):
            u = c / n - 0.5
            v = r / n - 0.5
            disc = 1.0 if u * u + v * v < 0.1 else 0.0
            image[r, c] = 0.2 + 0.6 * disc + 0.1 * math.sin(8.0 * c / n)
    return image


def add_gaussian_noise(clean, sigma, seed):
    """core/image/Noise.cpp: pixel by pixel in row-major order."""
    normal = LibstdcxxNormal(Mt19937_64(seed), 0.0, sigma)
    noise = np.array([normal() for _ in range(clean.size)]).reshape(clean.shape)
    return clean + noise


def source_image(spec):
    if spec.startswith("benchmark:"):
        return benchmark_image(int(spec.split(":", 1)[1]))
    if spec.startswith("skimage:"):
        import skimage.color
        import skimage.data
        import skimage.util

        image = getattr(skimage.data, spec.split(":", 1)[1])()
        if image.ndim == 3:
            image = skimage.color.rgb2gray(image[..., :3])
        return skimage.util.img_as_float64(image)
    sys.exit(f"--image: '{spec}' is neither benchmark:N nor skimage:NAME")


def patches(args):
    """Patch p at row side·(p div 4), column side·(p mod 4): bench/foe-products' layout."""
    whole = source_image(args.image)
    clean, noisy = [], []
    for p in range(args.patches):
        top, left = args.side * (p // 4), args.side * (p % 4)
        patch = whole[top : top + args.side, left : left + args.side]
        if patch.shape != (args.side, args.side):
            sys.exit(f"--image {args.image} ({whole.shape[0]}×{whole.shape[1]}) has no patch {p} "
                     f"of {args.side}×{args.side} at ({top}, {left})")
        clean.append(patch)
        noisy.append(add_gaussian_noise(patch, args.sigma, 1 + p))
    return np.stack(clean), np.stack(noisy)


# ---------------------------------------------------------------------------------------------
# The model.


def dct_basis(s):
    """(s² − 1) × s × s orthonormal DCT-II atoms without the constant one, DctFilterBasis's order."""
    frequencies = sorted(((u, v) for u in range(s) for v in range(s) if u + v > 0),
                         key=lambda f: f[0] + f[1])  # stable: then by u, then by v

    def cosine(frequency):
        scale = math.sqrt((1.0 if frequency == 0 else 2.0) / s)
        return np.array([scale * math.cos(math.pi * (2 * a + 1) * frequency / (2.0 * s))
                         for a in range(s)])

    return np.stack([np.outer(cosine(u), cosine(v)) for u, v in frequencies])


def default_theta(filters, s, nu=0.01, norm=10.0):
    """FieldsOfExperts::defaultParameters for filters ≤ s² − 1: ν = nu, filter k = norm · atom k."""
    atoms = s * s - 1
    if filters > atoms:
        sys.exit(f"--filters {filters} > {atoms} atoms of {s}×{s}: the C++ draws the extra filters "
                 "from std::normal_distribution; pass them with --theta")
    theta = np.zeros(filters + filters * atoms)
    theta[:filters] = nu
    for k in range(filters):
        theta[filters + k * atoms + k] = norm
    return theta


class FieldsOfExperts:
    def __init__(self, noisy, filters, s):
        self.y = noisy  # B × 1 × H × W
        self.filters, self.s = filters, s
        self.basis = torch.from_numpy(dct_basis(s)).reshape(s * s - 1, s * s)

    def bank(self, theta):
        nu = theta[: self.filters]
        coefficients = theta[self.filters :].reshape(self.filters, self.s * self.s - 1)
        weights = (coefficients @ self.basis).reshape(self.filters, 1, self.s, self.s)
        return nu, weights

    def energy(self, x, theta):
        """Σ_b E(x_b, θ): conv2d without padding is the valid correlation."""
        nu, weights = self.bank(theta)
        z = F.conv2d(x, weights)
        penalty = torch.log1p(z * z).sum(dim=(0, 2, 3))
        return 0.5 * ((x - self.y) ** 2).sum() + (nu * penalty).sum()

    def energy_and_gradient(self, x, theta):
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            e = self.energy(x, theta)
            (g,) = torch.autograd.grad(e, x)
        return e.detach(), g

    def lipschitz(self, theta):
        """1 + max ρ'' · Σ_k ν_k ‖k_k‖₁², max ρ'' = 2 (FieldsOfExperts::gradientLipschitzBound)."""
        nu, weights = self.bank(theta)
        return 1.0 + 2.0 * float((nu * weights.abs().sum(dim=(1, 2, 3)) ** 2).sum())


def dot(a, b):
    return float((a * b).sum())


def lbfgs(model, theta, x, tolerance, max_iterations, memory=10):
    """core/solvers/Lbfgs.cpp step for step; returns x, iterations, evaluations, relative norm."""
    armijo, max_halvings = 1e-4, 40
    safe_step = 1.0 / model.lipschitz(theta)
    _, g = model.energy_and_gradient(model.y, theta)
    reference = max(float(g.norm()), 1e-300)
    energy, g = model.energy_and_gradient(x, theta)
    evaluations = 2
    pairs = []  # (s, y, ρ = 1/sᵀy), oldest first
    norm = float(g.norm())
    iterations = 0
    while norm > tolerance * reference and iterations < max_iterations:
        if not (math.isfinite(norm) and math.isfinite(float(energy))):
            raise RuntimeError("the energy or gradient became NaN or infinite")
        d = g.clone()
        alphas = []
        for s_k, y_k, rho_k in reversed(pairs):
            alpha = rho_k * dot(s_k, d)
            d.sub_(y_k, alpha=alpha)
            alphas.append(alpha)
        if pairs:
            s_k, y_k, _ = pairs[-1]
            d.mul_(dot(s_k, y_k) / dot(y_k, y_k))
        for (s_k, y_k, rho_k), alpha in zip(pairs, reversed(alphas)):
            beta = rho_k * dot(y_k, d)
            d.add_(s_k, alpha=alpha - beta)
        d.neg_()
        slope, step = dot(g, d), 1.0
        if not pairs or not slope < 0.0:
            pairs.clear()
            d, slope, step = -g, -norm * norm, safe_step
        slack = 8.0 * sys.float_info.epsilon * abs(float(energy))
        accepted = False
        for _ in range(max_halvings):
            x_new = x + step * d
            energy_new, g_new = model.energy_and_gradient(x_new, theta)
            evaluations += 1
            if float(energy_new) <= float(energy) + armijo * step * slope + slack:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            pairs.clear()
            x_new = x - safe_step * g
            energy_new, g_new = model.energy_and_gradient(x_new, theta)
            evaluations += 1
        s_k, y_k = x_new - x, g_new - g
        curvature = dot(s_k, y_k)
        if curvature > 1e-16 * float(s_k.norm()) * float(y_k.norm()):
            pairs.append((s_k, y_k, 1.0 / curvature))
            if len(pairs) > memory:
                pairs.pop(0)
        x, g, energy = x_new, g_new, energy_new
        norm = float(g.norm())
        iterations += 1
    return x, iterations, evaluations, norm / reference


def conjugate_gradient(hvp, b, tolerance, max_iterations):
    """CG from a = 0 on a ↦ Ha; stops at ‖b − Ha‖ ≤ tolerance·‖b‖ or at pᵀHp ≤ 0."""
    a = torch.zeros_like(b)
    r = b.clone()
    p = r.clone()
    rr = dot(r, r)
    b_norm = math.sqrt(rr)
    iterations, status = 0, "iteration-limit"
    while iterations < max_iterations:
        if math.sqrt(rr) <= tolerance * b_norm:
            status = "converged"
            break
        hp = hvp(p)
        curvature = dot(p, hp)
        if not curvature > 0.0:
            status = "negative-curvature"
            break
        alpha = rr / curvature
        a.add_(p, alpha=alpha)
        r.sub_(hp, alpha=alpha)
        rr_new = dot(r, r)
        p.mul_(rr_new / rr).add_(r)
        rr = rr_new
        iterations += 1
    return a, iterations, math.sqrt(rr) / b_norm, status


# ---------------------------------------------------------------------------------------------


def peak_rss_mb():
    """The process's peak resident set so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(**fields):
    print(json.dumps(fields), flush=True)


def median_seconds(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def hypergradient(model, theta0, clean, args):
    """Solve, adjoint and hypergradient at θ₀; returns (∇U, x*, U, stages). With --per-patch each
    patch is solved and its adjoint system is solved on its own (as the C++ does, one model a
    patch); otherwise the batch is one problem in the stacked x."""
    batch = clean.shape[0]
    groups = ([(FieldsOfExperts(model.y[b : b + 1], model.filters, model.s), clean[b : b + 1])
               for b in range(batch)] if args.per_patch else [(model, clean)])
    theta = theta0.detach().clone().requires_grad_(True)

    start = time.perf_counter()
    solutions, iterations, evaluations, relative = [], [], 0, 0.0
    for group, _ in groups:
        x, k, n, r = lbfgs(group, theta0, group.y.clone(), args.tolerance, args.max_iterations)
        solutions.append(x)
        iterations.append(k)
        evaluations += n
        relative = max(relative, r)
    solve_seconds = time.perf_counter() - start
    x = torch.cat(solutions)
    loss = 0.5 * float(((x - clean) ** 2).sum()) / batch

    start = time.perf_counter()
    graphs, cg_iterations, residual, statuses = [], [], 0.0, set()
    for (group, group_clean), solution in zip(groups, solutions):
        x_star = solution.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(group.energy(x_star, theta), x_star, create_graph=True)

        def hvp(v, g=g, x_star=x_star):
            return torch.autograd.grad(g, x_star, grad_outputs=v, retain_graph=True)[0]

        a, k, r, status = conjugate_gradient(hvp, (solution - group_clean) / batch,
                                             args.cg_tolerance, args.cg_max_iterations)
        graphs.append((g, a))
        cg_iterations.append(k)
        residual = max(residual, r)
        statuses.add(status)
    adjoint_seconds = time.perf_counter() - start

    start = time.perf_counter()
    gradient = torch.zeros_like(theta0)
    for g, a in graphs:
        gradient -= torch.autograd.grad(g, theta, grad_outputs=a)[0]
    hypergradient_seconds = time.perf_counter() - start

    per_patch = lambda counts: dict(per_patch=counts) if args.per_patch else {}
    stages = dict(solve=(solve_seconds, sum(iterations),
                         dict(gradient_evaluations=evaluations, relative_gradient_norm=relative,
                              **per_patch(iterations))),
                  adjoint=(adjoint_seconds, sum(cg_iterations),
                           dict(relative_residual=residual, termination=",".join(sorted(statuses)),
                                **per_patch(cg_iterations))),
                  hypergradient=(hypergradient_seconds, 1, {}))
    return gradient.detach(), x.detach(), loss, stages


def check(model, theta, clean, args, gradient):
    """∇U·d against central differences of U along a random direction, solves to 1e-11."""
    tight = argparse.Namespace(**vars(args))
    tight.tolerance, tight.max_iterations = 1e-11, 100000
    generator = torch.Generator().manual_seed(7)
    direction = torch.randn(theta.shape, generator=generator, dtype=torch.float64)
    direction[: model.filters] = direction[: model.filters].abs() * 1e-3  # keep ν > 0
    h = 1e-5 * float(theta.norm()) / float(direction.norm())

    def loss_at(t):
        x, _, _, _ = lbfgs(model, t, model.y.clone(), tight.tolerance, tight.max_iterations)
        return 0.5 * float(((x - clean) ** 2).sum()) / clean.shape[0]

    difference = (loss_at(theta + h * direction) - loss_at(theta - h * direction)) / (2 * h)
    directional = float(gradient @ direction)
    emit(stage="check", directional_hypergradient=directional, central_difference=difference,
         relative_error=abs(directional - difference) / max(abs(difference), 1e-300))

    # One Hessian-vector product against central differences of the gradient.
    x = model.y.clone() + 0.01
    v = torch.randn(x.shape, generator=generator, dtype=torch.float64)
    x_req = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model.energy(x_req, theta), x_req, create_graph=True)
    (hv,) = torch.autograd.grad(g, x_req, grad_outputs=v)
    eps = 1e-6
    fd = (model.energy_and_gradient(x + eps * v, theta)[1]
          - model.energy_and_gradient(x - eps * v, theta)[1]) / (2 * eps)
    emit(stage="check-hvp", relative_error=float((hv - fd).norm() / fd.norm()))


def read_array(path):
    if path.endswith(".json"):
        with open(path) as f:
            value = json.load(f)
        return np.asarray(value["theta"] if isinstance(value, dict) else value, dtype=np.float64)
    return np.load(path).astype(np.float64)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="Boundary: valid correlation (conv2d without padding, adjoint conv_transpose2d). "
        "Prints JSON lines; see the module docstring for the stages.")
    parser.add_argument("--filters", type=int, default=48, help="K filters (default 48)")
    parser.add_argument("--size", type=int, default=7, help="filter side s (default 7)")
    parser.add_argument("--nu", type=float, default=0.01,
                        help="initial ν of every filter (default 0.01; the foe-48x7-denoise "
                        "preset starts at 0.00025)")
    parser.add_argument("--patches", type=int, default=8, help="B patches (default 8)")
    parser.add_argument("--side", type=int, default=64, help="patch side (default 64)")
    parser.add_argument("--sigma", type=float, default=25.0 / 255.0,
                        help="noise σ on [0, 1] intensities (default 25/255)")
    parser.add_argument("--image", default="benchmark:256",
                        help="benchmark:N (core/image/BenchmarkImage.cpp, default benchmark:256) "
                        "or skimage:NAME (e.g. skimage:camera)")
    parser.add_argument("--clean", help=".npy of B×H×W clean patches (overrides --image)")
    parser.add_argument("--noisy", help=".npy of B×H×W noisy patches (with --clean)")
    parser.add_argument("--theta", help=".npy or .json (a list, or {\"theta\": [...]}) of θ = "
                        "(ν, ϑ row-major); default FieldsOfExperts::defaultParameters")
    parser.add_argument("--save-inputs", metavar="DIR",
                        help="write clean.npy, noisy.npy, theta.npy and theta.json there")
    parser.add_argument("--tolerance", type=float, default=1e-6,
                        help="L-BFGS: relative gradient norm to stop at (default 1e-6)")
    parser.add_argument("--max-iterations", type=int, default=20000,
                        help="L-BFGS iteration limit (default 20000)")
    parser.add_argument("--cg-tolerance", type=float, default=1e-6,
                        help="adjoint CG: relative residual to stop at (default 1e-6)")
    parser.add_argument("--cg-max-iterations", type=int, default=5000,
                        help="adjoint CG iteration limit (default 5000)")
    parser.add_argument("--repeat", type=int, default=21,
                        help="runs of each per-iteration product timed, the median reported "
                        "(default 21)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--per-patch", action="store_true",
                        help="solve and take the adjoint patch by patch, each stopped by its own "
                        "relative tolerance, as the C++ (one model a patch) does; iterations are "
                        "then summed over the patches, each costing 1/B of a batched one")
    parser.add_argument("--check", action="store_true",
                        help="also check ∇U against central differences (two tight solves) and "
                        "one Hessian-vector product against differences of the gradient")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    total_start = time.perf_counter()

    if args.clean or args.noisy:
        if not (args.clean and args.noisy):
            sys.exit("--clean and --noisy go together")
        clean_np, noisy_np = read_array(args.clean), read_array(args.noisy)
        if clean_np.shape != noisy_np.shape or clean_np.ndim != 3:
            sys.exit(f"--clean {clean_np.shape} and --noisy {noisy_np.shape} must both be B×H×W")
    else:
        clean_np, noisy_np = patches(args)
    theta_np = (read_array(args.theta) if args.theta
                else default_theta(args.filters, args.size, nu=args.nu))
    expected = args.filters * args.size * args.size
    if theta_np.shape != (expected,):
        sys.exit(f"--theta has {theta_np.size} entries; {args.filters} filters of "
                 f"{args.size}×{args.size} need K·s² = {expected}")
    if args.save_inputs:
        os.makedirs(args.save_inputs, exist_ok=True)
        np.save(os.path.join(args.save_inputs, "clean.npy"), clean_np)
        np.save(os.path.join(args.save_inputs, "noisy.npy"), noisy_np)
        np.save(os.path.join(args.save_inputs, "theta.npy"), theta_np)
        with open(os.path.join(args.save_inputs, "theta.json"), "w") as f:
            json.dump({"filters": args.filters, "filter_size": args.size,
                       "layout": "nu (K), then vartheta row-major (K x (s*s-1))",
                       "theta": theta_np.tolist()}, f)

    clean = torch.from_numpy(clean_np).unsqueeze(1)
    noisy = torch.from_numpy(noisy_np).unsqueeze(1)
    theta = torch.from_numpy(theta_np)
    model = FieldsOfExperts(noisy, args.filters, args.size)
    batch, _, rows, cols = noisy.shape
    outputs = (rows - args.size + 1) * (cols - args.size + 1)
    emit(stage="setup", torch=torch.__version__, threads=torch.get_num_threads(),
         filters=args.filters, size=args.size, patches=batch, rows=rows, cols=cols,
         sigma=args.sigma, image=None if args.clean else args.image, parameters=theta.numel(),
         noisy_psnr=float(10 * np.log10(1.0 / np.mean((noisy_np - clean_np) ** 2))),
         load_average=os.getloadavg()[0])

    gradient, x_star, loss, stages = hypergradient(model, theta, clean, args)
    for name, (seconds, iterations, extra) in stages.items():
        emit(stage=name, seconds=seconds, iterations=iterations,
             seconds_per_iteration=seconds / max(iterations, 1), peak_rss_mb=peak_rss_mb(),
             **extra)
    total = time.perf_counter() - total_start
    psnr = float(10 * np.log10(1.0 / np.mean((x_star.numpy()[:, 0] - clean_np) ** 2)))
    emit(stage="total", seconds=sum(s for s, _, _ in stages.values()),
         seconds_with_setup=total, iterations=None, seconds_per_iteration=None,
         peak_rss_mb=peak_rss_mb(), upper_loss=loss, psnr=psnr,
         x_min=float(x_star.min()), x_max=float(x_star.max()),
         hypergradient_norm=float(gradient.norm()))

    # The per-iteration costs, over the whole batch, at x*.
    x = x_star.clone()
    v = torch.randn(x.shape, dtype=torch.float64)
    gradient_seconds = median_seconds(lambda: model.energy_and_gradient(x, theta), args.repeat)
    x_req = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model.energy(x_req, theta), x_req, create_graph=True)
    cached_seconds = median_seconds(
        lambda: torch.autograd.grad(g, x_req, grad_outputs=v, retain_graph=True), args.repeat)

    def fresh_hvp():
        xr = x.clone().requires_grad_(True)
        (gr,) = torch.autograd.grad(model.energy(xr, theta), xr, create_graph=True)
        torch.autograd.grad(gr, xr, grad_outputs=v)

    fresh_seconds = median_seconds(fresh_hvp, args.repeat)
    macs = 2.0 * args.filters * args.size * args.size * outputs * batch  # correlation + adjoint
    emit(stage="energy+gradient", seconds=gradient_seconds, repeat=args.repeat,
         gflops=2.0 * macs / gradient_seconds * 1e-9, peak_rss_mb=peak_rss_mb())
    emit(stage="hessian-vector", seconds=cached_seconds, repeat=args.repeat,
         note="double backward through the graph of the gradient at x*, built once (as in CG)",
         peak_rss_mb=peak_rss_mb())
    emit(stage="hessian-vector-fresh", seconds=fresh_seconds, repeat=args.repeat,
         note="forward, gradient with create_graph and double backward", peak_rss_mb=peak_rss_mb())

    if args.check:
        check(model, theta, clean, args, gradient)


if __name__ == "__main__":
    main()
