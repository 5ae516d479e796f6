package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The golden values of spec §13 (float64 torch 1.13): parameters filled with {@code 0.5·sin(0.37·k)}
 * in state-dict order, input {@code x[t][n][f] = cos(0.1·(idx + 1))}, {@code RNN(3, 4, num_layers=2,
 * bidirectional=True)}, h_0 zeros, eval mode. No torch needed to rebuild them.
 */
class RNNGoldenTest {

    private static final int L = 3;
    private static final int N = 2;
    private static final int F = 3;
    private static final int H = 4;

    // Golden values copied from spec §13.
    private static final double TANH_OUT_SUM = 5.7215094285696297;
    private static final double TANH_HN_SUM = -1.9102895830811741;
    private static final double[] TANH_OUT_2_1 = {0.23832945538267775, 0.98386179895814652, -0.79023118122342961,
        0.84491923237371813, 0.78925552660769893, -0.76668922623352254, 0.20095729100622392, -0.78090840811302464};
    private static final double[] TANH_HN_3_0 = {0.21236800390760999, 0.39234483549761751, -0.71853283836058535,
        -0.75457009999250169};
    private static final double RELU_OUT_SUM = 21.245622913062522;
    private static final double RELU_HN_SUM = 12.410279219668103;
    private static final double[] RELU_OUT_2_1 = {1.6256228880733257, 1.908179955200469, 0, 0, 0, 0, 0, 0};
    private static final double[] RELU_HN_3_0 = {0, 0.5874994358100839, 0, 0.54244238547438584};

    @ParameterizedTest
    @ValueSource(strings = {"tanh", "relu"})
    void float32ModuleReproducesGoldenValues(String nonlinearity) {
        boolean relu = nonlinearity.equals("relu");
        RNNConfig cfg = RNNConfig.rnn(F, H).withNumLayers(2).withBidirectional(true).withNonlinearity(nonlinearity);
        RNN rnn = new RNN(cfg).eval();
        Map<String, double[]> params = goldenParams(cfg);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        params.forEach((k, v) -> sd.put(k, Tensor.of(toFloat(v), rnn.namedParameters().get(k).shape())));
        rnn.loadStateDict(sd, true);

        double[] x = goldenInput();
        RNNOutput out = rnn.forward(Tensor.of(toFloat(x), L, N, F));

        float[] o = out.output().toArray();
        float[] hn = out.hN().toArray();
        assertThat(sum(o)).isCloseTo(relu ? RELU_OUT_SUM : TANH_OUT_SUM, within(1e-4));
        assertThat(sum(hn)).isCloseTo(relu ? RELU_HN_SUM : TANH_HN_SUM, within(1e-4));
        double[] out21 = relu ? RELU_OUT_2_1 : TANH_OUT_2_1;
        for (int j = 0; j < 2 * H; j++) {
            assertThat((double) o[(2 * N + 1) * 2 * H + j]).isCloseTo(out21[j], within(TestSupport.FORWARD_ATOL));
        }
        double[] hn30 = relu ? RELU_HN_3_0 : TANH_HN_3_0;
        for (int j = 0; j < H; j++) {
            assertThat((double) hn[(3 * N) * H + j]).isCloseTo(hn30[j], within(TestSupport.FORWARD_ATOL));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tanh", "relu"})
    void doubleReferenceReproducesGoldenValuesTo1e12(String nonlinearity) {
        boolean relu = nonlinearity.equals("relu");
        RNNConfig cfg = RNNConfig.rnn(F, H).withNumLayers(2).withBidirectional(true);
        RnnReference ref = RnnReference.run(relu, 2, true, H, true, goldenParams(cfg), goldenInput(), L, N, F, null);
        assertThat(sum(ref.output)).isCloseTo(relu ? RELU_OUT_SUM : TANH_OUT_SUM, within(1e-12));
        assertThat(sum(ref.hN)).isCloseTo(relu ? RELU_HN_SUM : TANH_HN_SUM, within(1e-12));
        double[] out21 = relu ? RELU_OUT_2_1 : TANH_OUT_2_1;
        for (int j = 0; j < 2 * H; j++) {
            assertThat(ref.output[(2 * N + 1) * 2 * H + j]).isCloseTo(out21[j], within(1e-12));
        }
    }

    /** {@code 0.5·sin(0.37·k)} with a running counter over all parameters in state-dict order. */
    static Map<String, double[]> goldenParams(RNNConfig cfg) {
        Map<String, double[]> out = new LinkedHashMap<>();
        int k = 0;
        for (RNNBase.ParamSpec spec : RNNBase.parameterSpecs(cfg)) {
            int n = 1;
            for (int s : spec.shape()) {
                n *= s;
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = 0.5 * Math.sin(0.37 * k++);
            }
            out.put(spec.name, v);
        }
        return out;
    }

    static double[] goldenInput() {
        double[] x = new double[L * N * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.cos(0.1 * (i + 1));
        }
        return x;
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s;
    }
}
