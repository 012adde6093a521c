"""Standalone check of src/main/cuda/mamba2.cu on a GPU without Java: the kernels between the two GEMMs
(conv, conv state, fused decode conv, scan, gate + norm, bias) against a NumPy per-token reference written
from Mamba2Reference.java, on odd shapes, outputs poisoned with NaN; then timings at the 2B shape.

    nvcc -cubin -arch=sm_90 -o /tmp/mamba2.cubin blocks-mamba2/src/main/cuda/mamba2.cu
    python3 blocks-mamba2/src/test/cuda/mamba2_check.py /tmp/mamba2.cubin

Needs CuPy and NumPy. The Java tests (Mamba2CudaTest) are the real gate; this one pins kernel faults
to a kernel without the JVM in the way.
"""
import sys
import numpy as np
import cupy as cp

mod = cp.RawModule(path=sys.argv[1])
K = {n: mod.get_function(n) for n in [
    "mamba2_add_bias_kernel1", "mamba2_conv_kernel1", "mamba2_conv_state_kernel1",
    "mamba2_conv_decode_kernel1", "mamba2_scan_kernel1", "mamba2_scan_kernel2", "mamba2_gate_norm_kernel1"]}
THREADS, WARPS = 256, 4
i32, f32 = np.int32, np.float32


def silu(x): return x / (1 + np.exp(-x))


def softplus(x): return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


def reference(cfg, B, T, zx, cs, S, w):
    H, P, N, G, W, di, cd, R = (cfg[k] for k in "H P N G W di cd R".split())
    zx = zx.reshape(B, T, R).astype(np.float64)
    cs, S = cs.astype(np.float64).copy(), S.astype(np.float64).copy()
    ys = np.zeros((B, T, di))
    gidx = np.arange(H) // (H // G)
    for b in range(B):
        for t in range(T):
            cs[b, :, :-1] = cs[b, :, 1:].copy()
            cs[b, :, W - 1] = zx[b, t, di:di + cd]
            xbc = silu((cs[b] * w["convW"]).sum(1) + w["convB"])
            x = xbc[:di].reshape(H, P)
            Bm = xbc[di:di + G * N].reshape(G, N)[gidx]
            Cm = xbc[di + G * N:].reshape(G, N)[gidx]
            dt = softplus(zx[b, t, di + cd:] + w["dtBias"])
            decay = np.exp(dt * w["A"])
            S[b] = decay[:, None, None] * S[b] + (dt[:, None] * x)[:, :, None] * Bm[:, None, :]
            y = np.einsum("hpn,hn->hp", S[b], Cm) + w["D"].reshape(H, P) * x
            y = y.reshape(di) * silu(zx[b, t, :di])
            if cfg["rmsnorm"]:
                gs = di // G
                yg = y.reshape(G, gs)
                y = (yg / np.sqrt((yg ** 2).mean(1, keepdims=True) + cfg["eps"])).reshape(di) * w["normW"]
            ys[b, t] = y
    return ys.reshape(B * T, di), cs, S


def config(H, P, N, G, W, rmsnorm=True):
    di = H * P
    cd = di + 2 * G * N
    return dict(H=H, P=P, N=N, G=G, W=W, di=di, cd=cd, R=di + cd + H, rmsnorm=rmsnorm, eps=1e-5)


def run_gpu(cfg, B, T, zx, cs, S, w, scan="mamba2_scan_kernel1"):
    H, P, N, G, W, di, cd, R = (cfg[k] for k in "H P N G W di cd R".split())
    M = B * T
    dzx, dcs, dS = cp.asarray(zx), cp.asarray(cs), cp.asarray(S)
    dw = {k: cp.asarray(v.astype(np.float32)) for k, v in w.items()}
    xbc = cp.full((M, cd), np.nan, dtype=cp.float32)
    ys = cp.full((M, di), np.nan, dtype=cp.float32)
    cb = (cd + THREADS - 1) // THREADS
    if T == 1:
        K["mamba2_conv_decode_kernel1"]((cb, B, 1), (THREADS,), (xbc, dcs, dzx, dw["convW"], dw["convB"], i32(cd), i32(W), i32(R), i32(di)))
    else:
        K["mamba2_conv_kernel1"]((M, cb, 1), (THREADS,), (xbc, dzx, dcs, dw["convW"], dw["convB"], i32(T), i32(cd), i32(W), i32(R), i32(di)))
        K["mamba2_conv_state_kernel1"]((cb, B, 1), (THREADS,), (dcs, dzx, i32(T), i32(cd), i32(W), i32(R), i32(di)))
    K[scan](((P + WARPS - 1) // WARPS, H, B), (32 * WARPS,),
                             (dS, ys, dzx, xbc, dw["dtBias"], dw["A"], dw["D"], i32(T), i32(H), i32(P), i32(N), i32(G),
                              i32(di), i32(cd), i32(R)))
    K["mamba2_gate_norm_kernel1"]((M, G, 1), (THREADS,), (ys, dzx, dw["normW"], i32(di), i32(R), i32(di // G),
                                                          i32(1 if cfg["rmsnorm"] else 0), f32(cfg["eps"])))
    cp.cuda.runtime.deviceSynchronize()
    return ys.get(), dcs.get(), dS.get()


def rel(got, exp):
    if np.isnan(got).any():
        return float("inf")
    return float(np.abs(got - exp).max() / max(np.abs(exp).max(), 1e-30))


def inputs(cfg, B, T, seed):
    r = np.random.default_rng(seed)
    H, P, N, G, W, di, cd, R = (cfg[k] for k in "H P N G W di cd R".split())
    zx = r.normal(0, 1, (B * T, R)).astype(np.float32)
    cs = r.normal(0, 0.5, (B, cd, W)).astype(np.float32)
    S = r.normal(0, 0.5, (B, H, P, N)).astype(np.float32)
    dtb = r.uniform(-4, 2, H)
    if H > 1:
        dtb[0] = 30.0   # past the softplus threshold
    w = dict(convW=r.normal(0, 0.5, (cd, W)), convB=r.normal(0, 0.2, cd), dtBias=dtb,
             A=-np.exp(r.uniform(0, np.log(16), H)), D=r.uniform(0.5, 1.5, di), normW=r.uniform(0.5, 1.5, di))
    w = {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}
    return zx, cs, S, w


fails = 0
cases = [(config(4, 5, 17, 2, 4), [(1, 1), (3, 1), (1, 63), (3, 65), (1, 500), (3, 500), (2, 2), (3, 3)]),
         (config(6, 16, 40, 1, 4), [(1, 1), (3, 65), (3, 500)]),
         (config(4, 6, 3, 1, 2, rmsnorm=False), [(1, 1), (3, 63), (1, 2)]),
         (config(9, 4, 8, 3, 1), [(3, 1), (3, 65)]),
         (config(3, 200, 3, 1, 4), [(1, 65), (2, 1)]),
         (config(2, 8, 256, 1, 4), [(1, 33), (2, 1)]),
         (config(48, 64, 128, 1, 4), [(1, 1), (2, 40)]),
         (config(5, 7, 33, 5, 3), [(2, 17), (1, 16), (3, 31)])]
for cfg, shapes in cases:
    for B, T in shapes:
        zx, cs, S, w = inputs(cfg, B, T, B * 1000 + T)
        ys_r, cs_r, S_r = reference(cfg, B, T, zx, cs, S, w)
        for scan in ("mamba2_scan_kernel1", "mamba2_scan_kernel2"):
            ys_g, cs_g, S_g = run_gpu(cfg, B, T, zx, cs, S, w, scan)
            errs = (rel(ys_g, ys_r), rel(cs_g, cs_r), rel(S_g, S_r))
            ok = all(e < 1e-4 for e in errs)
            fails += not ok
            print(("ok  " if ok else "FAIL"), scan[-7:], {k: cfg[k] for k in "H P N G W rmsnorm".split()}, "B", B, "T", T,
                  "rel ys %.2e conv %.2e ssm %.2e" % errs, flush=True)

# bias kernel
y = cp.asarray(np.random.default_rng(1).normal(size=(37, 13)).astype(np.float32))
bias = cp.asarray(np.arange(13, dtype=np.float32))
exp = y.get() + np.arange(13, dtype=np.float32)
K["mamba2_add_bias_kernel1"]((2, 1, 1), (THREADS,), (y, bias, np.int64(37), i32(13)))
e = rel(y.get(), exp)
fails += not e < 1e-6
print("ok  " if e < 1e-6 else "FAIL", "add_bias rel %.2e" % e)

# timings at the 2B shape (H 48, P 64, N 128, G 1, W 4)
cfg = config(48, 64, 128, 1, 4)
H, P, N, G, W, di, cd, R = (cfg[k] for k in "H P N G W di cd R".split())
for B, T in [(1, 1), (8, 1), (1, 4096)]:
    M = B * T
    zx = cp.random.standard_normal((M, R), dtype=cp.float32)
    cs = cp.zeros((B, cd, W), cp.float32)
    S = cp.zeros((B, H, P, N), cp.float32)
    xbc = cp.zeros((M, cd), cp.float32)
    ys = cp.zeros((M, di), cp.float32)
    vec = lambda n: cp.random.uniform(0.1, 1, n, dtype=cp.float32)
    cw, cbias, dtb, A, D, nw = vec(cd * W), vec(cd), vec(H), -vec(H), vec(di), vec(di)
    cb = (cd + THREADS - 1) // THREADS
    parts = {
        "conv": lambda: (K["mamba2_conv_decode_kernel1"]((cb, B, 1), (THREADS,), (xbc, cs, zx, cw, cbias, i32(cd), i32(W), i32(R), i32(di)))
                         if T == 1 else
                         (K["mamba2_conv_kernel1"]((M, cb, 1), (THREADS,), (xbc, zx, cs, cw, cbias, i32(T), i32(cd), i32(W), i32(R), i32(di))),
                          K["mamba2_conv_state_kernel1"]((cb, B, 1), (THREADS,), (cs, zx, i32(T), i32(cd), i32(W), i32(R), i32(di))))),
        "scan": lambda: K["mamba2_scan_kernel1"](((P + WARPS - 1) // WARPS, H, B), (32 * WARPS,),
                                                 (S, ys, zx, xbc, dtb, A, D, i32(T), i32(H), i32(P), i32(N), i32(G), i32(di), i32(cd), i32(R))),
        "scan2": lambda: K["mamba2_scan_kernel2"](((P + WARPS - 1) // WARPS, H, B), (32 * WARPS,),
                                                  (S, ys, zx, xbc, dtb, A, D, i32(T), i32(H), i32(P), i32(N), i32(G), i32(di), i32(cd), i32(R))),
        "gate_norm": lambda: K["mamba2_gate_norm_kernel1"]((M, G, 1), (THREADS,), (ys, zx, nw, i32(di), i32(R), i32(di // G), i32(1), f32(1e-5))),
    }
    for name, f in parts.items():
        for _ in range(3):
            f()
        reps = 20 if T > 1 else 200
        s, e = cp.cuda.Event(), cp.cuda.Event()
        s.record()
        for _ in range(reps):
            f()
        e.record()
        e.synchronize()
        us = cp.cuda.get_elapsed_time(s, e) * 1000 / reps
        print("2B shape B %d T %d %-9s %9.1f us" % (B, T, name, us), flush=True)
print("FAILURES", fails)
sys.exit(1 if fails else 0)
