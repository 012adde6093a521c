package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.view;

/**
 * The host-tensor face of a {@link DeviceTrainer}, for {@code TrainableProvider}'s calls on cuda: uploads x and the
 * weights into scratch memory, runs the trainer, and downloads every gradient in one transfer.
 */
public final class DeviceTrainerGrad implements BlockGrad {
    private final List<WeightDecl> decls;
    private final Weights w;
    private final GpuOps gpu;
    private final DeviceTrainer trainer;

    /** @param decls the block's weights, in declaration order */
    public DeviceTrainerGrad(List<WeightDecl> decls, Weights w, GpuOps gpu, DeviceTrainer trainer) {
        this.decls = decls;
        this.w = w;
        this.gpu = gpu;
        this.trainer = trainer;
    }

    private DeviceTensor put(FloatTensor t) {
        DeviceTensor d = gpu.scratch(DType.F32, t.shape());
        gpu.write(t, d);
        return d;
    }

    private Map<String, DeviceTensor> weights() {
        Map<String, DeviceTensor> m = new LinkedHashMap<>();
        for (WeightDecl decl : decls) m.put(decl.name(), put(new FloatTensor(w.get(decl.name()).data(), decl.shape())));
        return m;
    }

    @Override
    public FloatTensor forward(FloatTensor x) {
        DeviceTensor y = gpu.scratch(DType.F32, x.shape());
        trainer.forward(weights(), put(x), y);
        return gpu.download(y);
    }

    @Override
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        // every gradient in one buffer, for one download: dx, then the weights in declaration order
        long total = x.size();
        for (WeightDecl decl : decls) total += elements(decl.shape());
        DeviceTensor out = gpu.scratch(DType.F32, Math.toIntExact(total));
        Map<String, DeviceTensor> grads = new LinkedHashMap<>();
        long at = x.size();
        for (WeightDecl decl : decls) {
            grads.put(decl.name(), view(out, at, decl.shape()));
            at += elements(decl.shape());
        }
        Map<String, DeviceTensor> weights = weights();
        DeviceTensor xs = put(x), dys = put(dy);
        trainer.train(weights, xs, y -> dys, view(out, 0, x.shape()), grads);
        float[] all = gpu.download(out).data();
        Map<String, FloatTensor> g = new LinkedHashMap<>();
        at = x.size();
        for (WeightDecl decl : decls) {
            int from = Math.toIntExact(at);
            g.put(decl.name(), new FloatTensor(Arrays.copyOfRange(all, from, from + Math.toIntExact(elements(decl.shape()))), decl.shape()));
            at += elements(decl.shape());
        }
        return Gradients.of(new FloatTensor(Arrays.copyOf(all, x.size()), x.shape()), g);
    }

    private static long elements(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }
}
