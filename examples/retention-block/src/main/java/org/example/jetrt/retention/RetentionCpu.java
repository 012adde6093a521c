package org.example.jetrt.retention;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Weights;

import java.util.Arrays;

/**
 * Retention on the CPU: the four input projections of the whole chunk as one GEMM through the runtime's
 * {@link CpuOps#linear} (W_q, W_k, W_v, W_g stacked at creation into {@code [2·H·Dk + 2·H·Dv, D]}), the
 * recurrence of {@link RetentionReference} in parallel over (sequence, head), then the output projection
 * as one GEMM straight into y. Same float32 order of operations per head as the reference.
 */
final class RetentionCpu implements Block {
    private final RetentionConfig c;
    private final CpuOps ops;
    /** W_q; W_k; W_v; W_g stacked by rows: {@code [P, D]}, P = 2·H·Dk + 2·H·Dv. */
    private final float[] wIn;
    private final float[] wo;
    private final int width;

    RetentionCpu(RetentionConfig c, Weights w, CpuOps ops) {
        this.c = c;
        this.ops = ops;
        this.width = 2 * c.keyDim() + 2 * c.valueDim();
        this.wIn = new float[width * c.hidden()];
        int at = 0;
        for (String name : new String[] {RetentionProvider.Q, RetentionProvider.K, RetentionProvider.V, RetentionProvider.G}) {
            float[] part = w.get(name).data();
            System.arraycopy(part, 0, wIn, at, part.length);
            at += part.length;
        }
        this.wo = w.get(RetentionProvider.O).data();
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int steps = RetentionProvider.checkChunk("retention cpu", c, x, positions, state, y);
        int batch = x.dim(0), rows = batch * steps, heads = c.heads();
        float[] proj = new float[rows * width];                 // [B·T, P]: q | k | v | g
        ops.linear(x.data(), 0, wIn, 0, proj, 0, rows, width, c.hidden());
        float[] u = new float[rows * c.valueDim()];            // [B·T, H·Dv]: gated, normalised heads
        float[] s = state.get(RetentionProvider.STATE).data();  // [B, H, Dk, Dv]
        ops.parallelFor(batch * heads, bh -> head(bh / heads, bh % heads, steps, proj, s, u));
        ops.linear(u, 0, wo, 0, y.data(), 0, rows, c.hidden(), c.valueDim());
    }

    /** The recurrence of one (sequence, head) over the chunk; writes its Dv columns of u. */
    private void head(int b, int h, int steps, float[] proj, float[] s, float[] u) {
        int dk = c.dk(), dv = c.dv(), kd = c.keyDim(), vd = c.valueDim();
        int sOff = (b * c.heads() + h) * dk * dv;
        float gamma = c.gamma(h), scale = c.scale();
        float[] o = new float[dv];
        for (int t = 0; t < steps; t++) {
            int row = (b * steps + t) * width;
            int qOff = row + h * dk, kOff = row + kd + h * dk, vOff = row + 2 * kd + h * dv, gOff = row + 2 * kd + vd + h * dv;
            for (int i = 0; i < dk; i++) {
                float ki = proj[kOff + i];
                int sRow = sOff + i * dv;
                for (int j = 0; j < dv; j++) s[sRow + j] = gamma * s[sRow + j] + ki * proj[vOff + j];
            }
            Arrays.fill(o, 0f);
            for (int i = 0; i < dk; i++) {
                float qi = proj[qOff + i];
                int sRow = sOff + i * dv;
                for (int j = 0; j < dv; j++) o[j] += s[sRow + j] * qi;
            }
            float ms = 0f;
            for (int j = 0; j < dv; j++) {
                o[j] *= scale;
                ms += o[j] * o[j];
            }
            float inv = (float) (1.0 / Math.sqrt(ms / dv + RetentionConfig.NORM_EPS));
            int uOff = (b * steps + t) * vd + h * dv;
            for (int j = 0; j < dv; j++) {
                float z = proj[gOff + j];
                u[uOff + j] = o[j] * inv * (z / (1f + (float) Math.exp(-z)));
            }
        }
    }
}
