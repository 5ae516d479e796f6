package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Gradient oracle for LSTM and GRU: jrnn's float32 backprop-through-time is compared with central finite
 * differences ({@code ε = 1e-6}) of the independent double forward {@link GatedReference}, for every
 * parameter element, the input and the initial state, with the loss
 * {@code Σ output⊙G_out + Σ h_n⊙G_h (+ Σ c_n⊙G_c)}. The values are float-representable so that both
 * see the same numbers; tolerance {@code 1e-4} of each tensor's max magnitude (spec §9).
 */
final class GatedGradCheck {

    private static final double EPS = 1e-6;

    private GatedGradCheck() {
    }

    static double[] rand(SplittableRandom rng, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** {@return random parameters of {@code cfg} in {@code (-scale, scale)} (float values), by name, in spec order} */
    static Map<String, double[]> randomParams(RNNConfig cfg, SplittableRandom rng, double scale) {
        Map<String, double[]> params = new LinkedHashMap<>();
        for (RNNBase.ParamSpec s : RNNBase.parameterSpecs(cfg)) {
            int n = 1;
            for (int d : s.shape()) {
                n *= d;
            }
            params.put(s.name, rand(rng, n, scale));
        }
        return params;
    }

    /** Runs the check and returns the worst relative error seen. */
    static double check(RNNConfig cfg, int seqLen, int batch, boolean withState, long seed) {
        SplittableRandom rng = TestSupport.rng(seed);
        boolean lstm = cfg.mode() == Mode.LSTM;
        int groups = cfg.numLayers() * cfg.numDirections();
        int hOut = cfg.outputHiddenSize();
        int hidden = cfg.hiddenSize();
        Map<String, double[]> params = new LinkedHashMap<>();
        for (RNNBase.ParamSpec spec : RNNBase.parameterSpecs(cfg)) {
            int n = 1;
            for (int s : spec.shape()) {
                n *= s;
            }
            params.put(spec.name, rand(rng, n, 0.6));
        }
        int f = cfg.inputSize();
        double[] x = rand(rng, seqLen * batch * f, 1);
        double[] h0 = withState ? rand(rng, groups * batch * hOut, 1) : null;
        double[] c0 = withState && lstm ? rand(rng, groups * batch * hidden, 1) : null;
        double[] gOut = rand(rng, seqLen * batch * cfg.numDirections() * hOut, 1);
        double[] gH = rand(rng, groups * batch * hOut, 1);
        double[] gC = lstm ? rand(rng, groups * batch * hidden, 1) : null;

        RNNBase module = lstm ? new LSTM(cfg) : new GRU(cfg);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        params.forEach((k, v) -> sd.put(k, Tensor.of(RNNGoldenTest.toFloat(v), module.namedParameters().get(k).shape())));
        module.loadStateDict(sd, true);
        module.train();
        Tensor xt = Tensor.of(RNNGoldenTest.toFloat(x), seqLen, batch, f);
        Tensor h0t = h0 == null ? null : Tensor.of(RNNGoldenTest.toFloat(h0), groups, batch, hOut);
        Tensor gOutT = Tensor.of(RNNGoldenTest.toFloat(gOut), seqLen, batch, cfg.numDirections() * hOut);
        Tensor gHT = Tensor.of(RNNGoldenTest.toFloat(gH), groups, batch, hOut);
        Tensor gradInput;
        Tensor gradH0;
        Tensor gradC0 = null;
        ForwardRecord record;
        LSTMOutput lout = null;
        RNNOutput rout = null;
        if (lstm) {
            LSTMState st = h0 == null ? null : new LSTMState(h0t, Tensor.of(RNNGoldenTest.toFloat(c0), groups, batch, hidden));
            lout = ((LSTM) module).forward(xt, st);
            record = lout.record();
        } else {
            rout = ((GRU) module).forward(xt, h0t);
            record = rout.record();
        }
        // the dropout masks of this forward, as multipliers for the reference
        double[][] dropMul = null;
        if (cfg.dropout() > 0) {
            dropMul = new double[cfg.numLayers() - 1][];
            double scale = cfg.dropout() >= 1 ? 0 : 1 / (1 - cfg.dropout());
            for (int k = 0; k < cfg.numLayers() - 1; k++) {
                boolean[] keep = record.keep[k];
                dropMul[k] = new double[keep.length];
                for (int i = 0; i < keep.length; i++) {
                    dropMul[k][i] = keep[i] ? (float) scale : 0;
                }
            }
        }
        if (lstm) {
            LSTMGradients g = lout.backward(gOutT, gHT, Tensor.of(RNNGoldenTest.toFloat(gC), groups, batch, hidden));
            gradInput = g.input();
            gradH0 = g.h0();
            gradC0 = g.c0();
        } else {
            RNNGradients g = rout.backward(gOutT, gHT);
            gradInput = g.input();
            gradH0 = g.h0();
        }
        double[][] mul = dropMul;
        double worst = 0;
        for (String name : params.keySet()) {
            double[] p = params.get(name);
            worst = Math.max(worst, compare(name, module.namedParameters().get(name).grad().toArray(), p,
                    () -> GatedReference.run(cfg, params, x, seqLen, batch, h0, c0, false, mul).loss(gOut, gH, gC)));
        }
        worst = Math.max(worst, compare("input", gradInput.toArray(), x,
                () -> GatedReference.run(cfg, params, x, seqLen, batch, h0, c0, false, mul).loss(gOut, gH, gC)));
        if (h0 != null) {
            worst = Math.max(worst, compare("h0", gradH0.toArray(), h0,
                    () -> GatedReference.run(cfg, params, x, seqLen, batch, h0, c0, false, mul).loss(gOut, gH, gC)));
        }
        if (c0 != null) {
            worst = Math.max(worst, compare("c0", gradC0.toArray(), c0,
                    () -> GatedReference.run(cfg, params, x, seqLen, batch, h0, c0, false, mul).loss(gOut, gH, gC)));
        }
        return worst;
    }

    /** Central differences of {@code loss} over every element of {@code values} (perturbed in place and restored). */
    private static double compare(String what, float[] actual, double[] values, java.util.function.DoubleSupplier loss) {
        double[] fd = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            values[i] = v + EPS;
            double up = loss.getAsDouble();
            values[i] = v - EPS;
            double down = loss.getAsDouble();
            values[i] = v;
            fd[i] = (up - down) / (2 * EPS);
        }
        assertThat(actual).as(what).hasSize(fd.length);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < fd.length; i++) {
            scale = Math.max(scale, Math.abs(fd[i]));
            diff = Math.max(diff, Math.abs(actual[i] - fd[i]));
        }
        double rel = scale == 0 ? diff : diff / scale;
        assertThat(rel).as(what + " vs finite differences").isLessThanOrEqualTo(TestSupport.GRAD_RTOL_OF_MAX);
        return rel;
    }
}
