package dev.jrnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.interop.ModelFiles;
import dev.jrnn.io.Npy;
import dev.jrnn.io.Safetensors;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.MSELoss;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.LSTMState;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RnnUtils;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.ClipGrad;
import dev.jrnn.optim.CosineAnnealingLR;
import dev.jrnn.optim.ExponentialLR;
import dev.jrnn.optim.StepLR;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Rejected calls change nothing: a trained LSTM (parameters, gradients, Adam state with a step taken,
 * training flag) is snapshot bitwise before each rejected call across nn, optim, loss, io, interop and
 * tensor, and compared after it. Each call must throw (IllegalArgumentException, NullPointerException or
 * an IOException) — a call that is silently accepted fails the test.
 */
class RejectedCallsTest {

    @Test
    void rejectedCallsMutateNothing() throws Exception {
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 4).withProjSize(2).withBidirectional(true), 9L);
        Adam opt = new Adam(lstm.parameters(), 1e-2);
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 5, 2, 3);
        lstm.forward(x).backward(Tensor.normal(new Generator(2), 0f, 1f, 5, 2, 4), null, null);
        opt.step();
        lstm.forward(x).backward(Tensor.normal(new Generator(3), 0f, 1f, 5, 2, 4), null, null);
        List<Parameter> ps = lstm.parameters();
        List<Parameter> dup = new ArrayList<>(ps);
        dup.add(ps.get(1));
        List<Parameter> withNull = new ArrayList<>(ps);
        withNull.add(null);
        Tensor h = Tensor.zeros(2, 2, 2);
        Tensor c = Tensor.zeros(2, 2, 4);

        List<ThrowingCallable> calls = List.of(
                () -> lstm.forward(null),
                () -> lstm.forward(Tensor.zeros(5, 3)),
                () -> lstm.forward(Tensor.zeros(1, 5, 2, 3)),
                () -> lstm.forward(Tensor.zeros(5, 2, 4)),
                () -> lstm.forward(Tensor.zeros(0, 2, 3)),
                () -> lstm.forward(x, new LSTMState(Tensor.zeros(2, 3, 2), c)),
                () -> lstm.forward(x, new LSTMState(h, Tensor.zeros(2, 2, 2))),
                () -> lstm.forward(x, new LSTMState(Tensor.zeros(2, 2), Tensor.zeros(2, 4))),
                () -> lstm.forward(x, new int[] {5, 0}, null),
                () -> lstm.forward(x, new int[] {6, 1}, null),
                () -> lstm.forward(x, new int[] {5}, null),
                () -> lstm.forward(x, null, null),
                () -> lstm.forwardPacked(null),
                () -> lstm.forwardUnbatched(x),
                () -> lstm.loadStateDict(Map.of("weight_ih_l0", Tensor.zeros(16, 3)), true),
                () -> lstm.loadStateDict(null, true),
                () -> lstm.loadStateDict(wrongShape(lstm), true),
                () -> new Adam(List.of(), 0.1),
                () -> new Adam(dup, 0.1),
                () -> new Adam(withNull, 0.1),
                () -> new Adam(ps, -1),
                () -> new StepLR(opt, 2, Double.NaN),
                () -> new StepLR(opt, 0, 0.5),
                () -> new ExponentialLR(opt, Double.POSITIVE_INFINITY),
                () -> new CosineAnnealingLR(opt, 10, Double.NaN),
                () -> new CosineAnnealingLR(opt, 0, 0.0),
                () -> ClipGrad.clipGradNorm(ps, Double.NaN),
                () -> ClipGrad.clipGradNorm(ps, -1),
                () -> ClipGrad.clipGradNorm(ps, 1, 0, false),
                () -> ClipGrad.clipGradNorm(withNull, 1),
                () -> ClipGrad.clipGradValue(ps, -1),
                () -> ClipGrad.clipGradValue(withNull, 1),
                () -> MSELoss.of().forward(Tensor.zeros(2, 3), Tensor.zeros(3, 2)),
                () -> CrossEntropyLoss.of().forward(Tensor.zeros(2, 3), new int[] {0, 7}),
                () -> CrossEntropyLoss.of().forward(null, new int[] {0, 1}),
                () -> Safetensors.read(new byte[0]),
                () -> Safetensors.read(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '[', ']', ' ', ' ', ' ', ' ', ' ', ' '}),
                () -> Npy.read(new byte[0]),
                () -> Npy.read(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),
                () -> ModelFiles.load(null),
                () -> ModelFiles.load(java.nio.file.Path.of("target", "no-such-model.safetensors")),
                () -> ModelFiles.save(lstm, null),
                () -> Tensor.zeros(-1, 2),
                () -> Tensor.zeros(65536, 65536),
                () -> Tensor.of(new float[5], 2, 3),
                () -> Tensor.of(null, 2),
                () -> x.transpose(0, 3),
                () -> x.size(5),
                () -> RnnUtils.packSequence(List.of(), false),
                () -> RnnUtils.packPaddedSequence(x, new int[] {1, 3}, false, true));
        for (int i = 0; i < calls.size(); i++) {
            Map<String, float[]> before = snapshot(lstm, opt);
            boolean training = lstm.isTraining();
            double lr = opt.lr();
            Map<String, String> scalars = opt.stateScalars();
            assertThatThrownBy(calls.get(i)).as("call %d", i).isInstanceOfAny(IllegalArgumentException.class,
                    NullPointerException.class, java.io.IOException.class);
            Map<String, float[]> after = snapshot(lstm, opt);
            assertThat(after.keySet()).as("call %d", i).isEqualTo(before.keySet());
            for (String k : before.keySet()) {
                assertThat(bits(after.get(k))).as("call %d: %s", i, k).isEqualTo(bits(before.get(k)));
            }
            assertThat(lstm.isTraining()).isEqualTo(training);
            assertThat(opt.lr()).as("call %d", i).isEqualTo(lr);
            assertThat(opt.stateScalars()).as("call %d", i).isEqualTo(scalars);
        }
        assertThat(calls).hasSizeGreaterThanOrEqualTo(50);
    }

    private static Map<String, Tensor> wrongShape(LSTM lstm) {
        Map<String, Tensor> sd = new LinkedHashMap<>(lstm.stateDict());
        sd.put("bias_hh_l0_reverse", Tensor.zeros(15));
        return sd;
    }

    private static Map<String, float[]> snapshot(LSTM lstm, Adam opt) {
        Map<String, float[]> s = new LinkedHashMap<>();
        lstm.namedParameters().forEach((k, p) -> {
            s.put(k, p.data().toArray());
            s.put(k + ".grad", p.grad().toArray());
        });
        opt.stateTensors().forEach((k, t) -> s.put("opt." + k, t.toArray()));
        return s;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }
}
