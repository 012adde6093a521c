package io.jetrt.retrofit;

import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.DeviceTrainableProvider;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 1's students trained in device memory (SPI 1.4 {@link DeviceTrainer}): master weights, AdamW's moments and
 * the gradients as F32 device tensors; the teacher's block inputs and outputs copied on the device as its decoder
 * makes them; the relative MSE, its gradient, the gradient norm and AdamW as kernels of {@code retrofit.cu} (the host
 * path's math, float64 per element). One small download per step: each student's error, reference and squared
 * gradient norm. The host {@link Student}s stay the record: {@link #upload} before training, {@link #download} at
 * each checkpoint and at the end.
 */
final class DeviceStudents implements AutoCloseable {
    private static final String IMAGE = "/io/jetrt/retrofit/retrofit.fatbin";
    private static final int BLOCKS = 256, THREADS = 256; // RT_BLOCKS, RT_THREADS of retrofit.cu
    /** Per student in {@link #sums}: sum (y - yt)^2, sum yt^2, the gradient's squared norm. */
    private static final int SUMS = 3;

    private final GpuOps gpu;
    private final List<Student> students;
    private final List<One> ones = new ArrayList<>();
    private final DeviceTensor partial, sums;
    private final GpuKernel relPartials, sumsqPartials, finish, relDy, adamw;

    /** One student's device side. */
    private record One(Student s, DeviceTrainer trainer, Map<String, DeviceTensor> w, Map<String, DeviceTensor> m,
                       Map<String, DeviceTensor> v, Map<String, DeviceTensor> g, DeviceTensor x, DeviceTensor yt) {}

    /** Whether every student's provider trains on the device and this build carries the kernels. */
    static boolean possible(List<Student> students) {
        if (DeviceStudents.class.getResource(IMAGE) == null) return false;
        return students.stream().allMatch(s -> s.trainer() instanceof DeviceTrainableProvider);
    }

    DeviceStudents(List<Student> students, GpuOps gpu, int batch, int seqLen, int hidden) {
        this.gpu = gpu;
        this.students = students;
        byte[] image = image();
        relPartials = gpu.kernel(image, "rt_rel_partials_kernel1");
        sumsqPartials = gpu.kernel(image, "rt_sumsq_partials_kernel1");
        finish = gpu.kernel(image, "rt_finish_kernel1");
        relDy = gpu.kernel(image, "rt_rel_dy_kernel1");
        adamw = gpu.kernel(image, "rt_adamw_kernel1");
        partial = gpu.allocate(DType.F32, 2 * 2 * BLOCKS);            // doubles: two per block
        sums = gpu.allocate(DType.F32, 2 * SUMS * students.size());   // doubles
        for (Student s : students) {
            DeviceTrainer t = ((DeviceTrainableProvider) s.trainer()).deviceTrainer(s.config(), gpu);
            Map<String, DeviceTensor> w = new LinkedHashMap<>(), m = new LinkedHashMap<>(), v = new LinkedHashMap<>(), g = new LinkedHashMap<>();
            s.shapes().forEach((name, shape) -> {
                w.put(name, gpu.allocate(DType.F32, shape));
                m.put(name, gpu.allocate(DType.F32, shape));
                v.put(name, gpu.allocate(DType.F32, shape));
                g.put(name, gpu.allocate(DType.F32, shape));
            });
            ones.add(new One(s, t, w, m, v, g, gpu.allocate(DType.F32, batch, seqLen, hidden), gpu.allocate(DType.F32, batch, seqLen, hidden)));
        }
    }

    private static byte[] image() {
        try (InputStream in = DeviceStudents.class.getResourceAsStream(IMAGE)) {
            if (in == null) throw new IllegalStateException("retrofit kernels missing: " + IMAGE + " (nvcc absent at build)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The host students' weights and moments onto the device. */
    void upload() {
        for (One o : ones) {
            o.w().forEach((name, d) -> gpu.write(new FloatTensor(o.s().weights().get(name), d.shape()), d));
            o.m().forEach((name, d) -> gpu.write(new FloatTensor(o.s().optimizer().firstMoments().get(name), d.shape()), d));
            o.v().forEach((name, d) -> gpu.write(new FloatTensor(o.s().optimizer().secondMoments().get(name), d.shape()), d));
        }
    }

    /** The device's weights and moments into the host students (in place), e.g. before a checkpoint is saved. */
    void download() {
        for (One o : ones) {
            o.w().forEach((name, d) -> copyInto(d, o.s().weights().get(name)));
            o.m().forEach((name, d) -> copyInto(d, o.s().optimizer().firstMoments().get(name)));
            o.v().forEach((name, d) -> copyInto(d, o.s().optimizer().secondMoments().get(name)));
        }
    }

    private void copyInto(DeviceTensor d, float[] host) {
        float[] got = gpu.download(d).data();
        System.arraycopy(got, 0, host, 0, host.length);
    }

    /** Copies the teacher's block activations at the student layers into the students' buffers. */
    Model.LayerObserver teacher() {
        return new Model.LayerObserver() {
            @Override public void after(int layer, FloatTensor hidden) {}

            @Override public boolean wantsHidden() { return false; }

            @Override public boolean wantsDeviceBlocks() { return true; }

            @Override public boolean wantsBlocks() { return true; } // a teacher on the CPU: its host tensors are uploaded

            @Override
            public void deviceBlock(int layer, DeviceTensor x, DeviceTensor y) {
                for (One o : ones) {
                    if (o.s().layer() != layer) continue;
                    gpu.copy(x, o.x());
                    gpu.copy(y, o.yt());
                }
            }

            @Override
            public void block(int layer, FloatTensor x, FloatTensor y) {
                for (One o : ones) {
                    if (o.s().layer() != layer) continue;
                    gpu.write(x, o.x());
                    gpu.write(y, o.yt());
                }
            }
        };
    }

    /**
     * One AdamW step of every student on the activations {@link #teacher} copied: returns each one's relative MSE
     * before the step, or NaN (and no update of that student) when its loss or gradient is not finite.
     */
    double[] step(int t, double lr, double clip) {
        GpuContext ctx = GpuContext.get();
        for (int i = 0; i < ones.size(); i++) {
            One o = ones.get(i);
            int slot = SUMS * i;
            // a student's activations (gigabytes at 2B shape) are scratch: given back once its work is queued, so
            // the next student reuses them (the stream runs in order)
            long mark = ctx.mark();
            o.trainer().train(o.w(), o.x(), y -> relativeErrorGradient(y, o.yt(), slot), null, o.g());
            // the squared norm over all weights: per weight a fixed-order sum, then the weights in declaration order
            DeviceTensor perWeight = gpu.scratch(DType.F32, 2 * o.g().size());
            int k = 0;
            for (DeviceTensor g : o.g().values()) {
                gpu.launch(sumsqPartials, BLOCKS, 1, 1, THREADS, 1, 0, partial, g, g.elements());
                gpu.launch(finish, 1, 1, 1, 32, 1, 0, perWeight, k++, partial, 1, BLOCKS);
            }
            gpu.launch(finish, 1, 1, 1, 32, 1, 0, sums, slot + 2, perWeight, 1, k);
            ctx.release(mark);
        }
        double[] s = doubles(gpu.download(sums));
        double[] losses = new double[ones.size()];
        for (int i = 0; i < ones.size(); i++) {
            One o = ones.get(i);
            double err = s[SUMS * i], ref = s[SUMS * i + 1] == 0 ? 1 : s[SUMS * i + 1], norm = Math.sqrt(s[SUMS * i + 2]);
            losses[i] = err / ref;
            if (!Double.isFinite(losses[i]) || !Double.isFinite(norm)) {
                losses[i] = Double.NaN;
                continue;
            }
            double scale = norm > clip ? clip / norm : 1, c1 = 1 - Math.pow(AdamW.BETA1, t), c2 = 1 - Math.pow(AdamW.BETA2, t);
            AdamW opt = o.s().optimizer();
            for (String name : o.w().keySet()) {
                DeviceTensor w = o.w().get(name);
                double decay = opt.decays(name) ? lr * opt.weightDecay() : 0;
                gpu.launch(adamw, gridFor(w.elements()), 1, 1, THREADS, 1, 0, w, o.m().get(name), o.v().get(name), o.g().get(name),
                        w.elements(), lr, decay, scale, c1, c2, AdamW.BETA1, AdamW.BETA2, AdamW.EPS);
            }
        }
        return losses;
    }

    /** Queues sum (y − yt)², sum yt² into {@link #sums} at {@code slot} and returns dy = 2 (y − yt) / sum yt² (scratch). */
    private DeviceTensor relativeErrorGradient(DeviceTensor y, DeviceTensor yt, int slot) {
        gpu.launch(relPartials, BLOCKS, 1, 1, THREADS, 1, 0, partial, y, yt, y.elements());
        gpu.launch(finish, 1, 1, 1, 32, 1, 0, sums, slot, partial, 2, BLOCKS);
        DeviceTensor dy = gpu.scratch(DType.F32, y.shape());
        gpu.launch(relDy, gridFor(y.elements()), 1, 1, THREADS, 1, 0, dy, y, yt, at(sums, slot), y.elements());
        return dy;
    }

    /** The double at index {@code i} of a buffer of doubles (held as pairs of F32 elements). */
    private static DeviceTensor at(DeviceTensor doubles, int i) {
        return new DeviceTensor(doubles.address() + 8L * i, DType.F32, new int[] {2});
    }

    private static double[] doubles(FloatTensor bits) {
        float[] f = bits.data();
        double[] d = new double[f.length / 2];
        for (int i = 0; i < d.length; i++) {
            long lo = Integer.toUnsignedLong(Float.floatToRawIntBits(f[2 * i])), hi = Float.floatToRawIntBits(f[2 * i + 1]);
            d[i] = Double.longBitsToDouble(hi << 32 | lo); // little-endian: the low word first
        }
        return d;
    }

    private static int gridFor(long n) { return (int) Math.max(1, Math.min(65536, (n + THREADS - 1) / THREADS)); }

    List<Student> students() { return students; }

    @Override
    public void close() {
        for (One o : ones) {
            for (Map<String, DeviceTensor> map : List.of(o.w(), o.m(), o.v(), o.g())) map.values().forEach(gpu::free);
            gpu.free(o.x());
            gpu.free(o.yt());
        }
        gpu.free(partial);
        gpu.free(sums);
    }
}
