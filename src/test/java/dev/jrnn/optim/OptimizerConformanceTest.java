package dev.jrnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TrainFixtures;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimizer against torch 1.13 ({@code fixtures/train/optim.safetensors}): two parameters, the same
 * K gradients, the parameters after the first and after K steps.
 */
class OptimizerConformanceTest {

    private static final SafetensorsFile F = TrainFixtures.load("optim.safetensors");

    static Stream<String> cases() {
        return TrainFixtures.cases(F).stream();
    }

    private static double d(String c, String key, double dflt) {
        String v = F.metadata().get(c + "." + key);
        return v == null ? dflt : Double.parseDouble(v);
    }

    private static boolean b(String c, String key) {
        return "True".equals(F.metadata().get(c + "." + key));
    }

    private static double[] betas(String c) {
        String v = F.metadata().get(c + ".betas");
        if (v == null) {
            return new double[] {0.9, 0.999};
        }
        String[] s = v.split(",");
        return new double[] {Double.parseDouble(s[0]), Double.parseDouble(s[1])};
    }

    /** {@return the optimizer of fixture case {@code c}, built from its torch settings} */
    static Optimizer make(String c, List<Parameter> ps) {
        double lr = d(c, "lr", 0);
        double[] be = betas(c);
        switch (F.metadata().get(c + ".optimizer")) {
            case "SGD":
                return new SGD(ps, lr, d(c, "momentum", 0), d(c, "dampening", 0), d(c, "weight_decay", 0),
                        b(c, "nesterov"));
            case "Adam":
                return new Adam(ps, lr, be[0], be[1], d(c, "eps", 1e-8), d(c, "weight_decay", 0), b(c, "amsgrad"));
            case "AdamW":
                return new AdamW(ps, lr, be[0], be[1], d(c, "eps", 1e-8), d(c, "weight_decay", 1e-2), b(c, "amsgrad"));
            case "RMSprop":
                return new RMSprop(ps, lr, d(c, "alpha", 0.99), d(c, "eps", 1e-8), d(c, "weight_decay", 0),
                        d(c, "momentum", 0), b(c, "centered"));
            case "Adagrad":
                return new Adagrad(ps, lr, d(c, "lr_decay", 0), d(c, "weight_decay", 0),
                        d(c, "initial_accumulator_value", 0), d(c, "eps", 1e-10));
            default:
                throw new AssertionError(c);
        }
    }

    /** Two parameters holding the fixture's initial values (a Linear(4, 3) has (3, 4) and (3); we need (5)). */
    static List<Parameter> params() {
        Linear a = new Linear(4, 3, new Generator(1));
        Linear b = new Linear(1, 5, new Generator(2));
        Parameter p0 = a.namedParameters().get("weight");
        Parameter p1 = b.namedParameters().get("bias");
        p0.data().copyFromInPlace(F.tensor("p0"));
        p1.data().copyFromInPlace(F.tensor("p1"));
        return List.of(p0, p1);
    }

    private static void setGrads(List<Parameter> ps, int k) {
        ps.get(0).grad().copyFromInPlace(F.tensor("g" + k + ".p0"));
        ps.get(1).grad().copyFromInPlace(F.tensor("g" + k + ".p1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void parametersAfterKStepsMatchTorch(String c) {
        List<Parameter> ps = params();
        Optimizer opt = make(c, ps);
        int steps = Integer.parseInt(F.metadata().get("steps"));
        double worst1 = 0;
        for (int k = 0; k < steps; k++) {
            opt.zeroGrad();
            setGrads(ps, k);
            opt.step();
            if (k == 0) {
                for (int i = 0; i < 2; i++) {
                    worst1 = Math.max(worst1, TrainFixtures.relErr(ps.get(i).data(), F.tensor(c + ".step1.p" + i), 1e-3));
                }
            }
        }
        double worst = 0;
        for (int i = 0; i < 2; i++) {
            worst = Math.max(worst, TrainFixtures.relErr(ps.get(i).data(), F.tensor(c + ".final.p" + i), 1e-3));
        }
        System.out.printf("optim %-32s step 1 rel err %.2e, step %d rel err %.2e%n", c, worst1, steps, worst);
        assertThat(worst1).isLessThan(1e-6);
        assertThat(worst).isLessThan(2e-6);
        assertThat(opt.stepCount()).isEqualTo(steps);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stateRoundTripContinuesBitForBit(String c) {
        List<Parameter> ps = params();
        Optimizer a = make(c, ps);
        setGrads(ps, 0);
        a.step();
        a.step();
        Map<String, Tensor> st = a.stateTensors();
        Map<String, String> sc = a.stateScalars();
        Tensor p0 = ps.get(0).data().copy();
        Tensor p1 = ps.get(1).data().copy();
        a.step();
        float[] expected0 = ps.get(0).data().toArray();

        List<Parameter> qs = params();
        qs.get(0).data().copyFromInPlace(p0);
        qs.get(1).data().copyFromInPlace(p1);
        Optimizer b = make(c, qs);
        b.loadState(st, sc);
        setGrads(qs, 0);
        b.step();
        assertThat(qs.get(0).data().toArray()).isEqualTo(expected0);
        assertThat(b.stepCount()).isEqualTo(3);
    }

    @Test
    void rejectsInvalidSettingsAndStates() {
        List<Parameter> ps = params();
        assertThatThrownBy(() -> new Adam(ps, 0.1, 1.0, 0.9, 1e-8, 0, false))
                .hasMessageContaining("Invalid beta parameter at index 0: 1.0");
        assertThatThrownBy(() -> new SGD(ps, 0.1, 0, 0, 0, true)).hasMessageContaining("Nesterov");
        assertThatThrownBy(() -> new RMSprop(ps, 0.1, 0.9, -1, 0, 0, false)).hasMessageContaining("epsilon");
        Adam adam = new Adam(ps, 0.1);
        assertThatThrownBy(() -> adam.loadState(Map.of(), adam.stateScalars()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing tensor state.0.exp_avg");
        assertThatThrownBy(() -> adam.setLr(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
