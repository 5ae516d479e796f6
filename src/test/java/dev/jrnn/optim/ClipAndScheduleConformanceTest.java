package dev.jrnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TrainFixtures;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** clip_grad_norm_ / clip_grad_value_ and the LR schedules against torch 1.13. */
class ClipAndScheduleConformanceTest {

    private static final SafetensorsFile CLIP = TrainFixtures.load("clip.safetensors");
    private static final SafetensorsFile SCHED = TrainFixtures.load("schedules.safetensors");

    static Stream<String> clipCases() {
        return TrainFixtures.cases(CLIP).stream();
    }

    static Stream<String> scheduleCases() {
        return TrainFixtures.cases(SCHED).stream();
    }

    /** Three parameters of shapes (3, 4), (6), (2, 2). */
    private static List<Parameter> params() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(new Linear(4, 3, new Generator(1)).namedParameters().get("weight"));
        ps.add(new Linear(1, 6, new Generator(2)).namedParameters().get("bias"));
        ps.add(new Linear(2, 2, new Generator(3)).namedParameters().get("weight"));
        return ps;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clipCases")
    void clippingMatchesTorch(String c) {
        List<Parameter> ps = params();
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).grad().copyFromInPlace(CLIP.tensor(c + ".g" + i));
        }
        Map<String, String> m = CLIP.metadata();
        if (m.containsKey(c + ".clip_value")) {
            ClipGrad.clipGradValue(ps, Double.parseDouble(m.get(c + ".clip_value")));
        } else {
            double normType = m.get(c + ".norm_type").equals("inf") ? Double.POSITIVE_INFINITY
                    : Double.parseDouble(m.get(c + ".norm_type"));
            double total = ClipGrad.clipGradNorm(ps, Double.parseDouble(m.get(c + ".max_norm")), normType, false);
            double expected = CLIP.tensor(c + ".total_norm").item();
            System.out.printf("clip %-18s total norm %.8f (torch %.8f)%n", c, total, expected);
            assertThat(Math.abs(total - expected) / expected).isLessThan(1e-6);
        }
        for (int i = 0; i < ps.size(); i++) {
            assertThat(TrainFixtures.relErr(ps.get(i).grad(), CLIP.tensor(c + ".clipped.g" + i), 1e-3))
                    .as("g%d", i).isLessThan(1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scheduleCases")
    void learningRateSequenceMatchesTorch(String c) {
        Map<String, String> m = SCHED.metadata();
        List<Parameter> ps = params();
        SGD opt = new SGD(ps, Double.parseDouble(m.get(c + ".base_lr")));
        double[] expected = TrainFixtures.doubles(SCHED, c + ".lrs");
        double[] metrics = TrainFixtures.doubles(SCHED, "metrics");
        Scheduler s = make(c, m, opt);
        double worst = 0;
        for (int e = 0; e < expected.length; e++) {
            worst = Math.max(worst, Math.abs(opt.lr() - expected[e]) / Math.max(expected[e], 1e-6));
            opt.step();
            if (s instanceof ReduceLROnPlateau p) {
                p.step(metrics[e]);
            } else if (s instanceof SequentialLR q) {
                q.step();
            } else {
                ((LRScheduler) s).step();
            }
        }
        System.out.printf("schedule %-16s %d epochs, max rel diff %.2e%n", c, expected.length, worst);
        assertThat(worst).isLessThan(1e-12);
    }

    private static Scheduler make(String c, Map<String, String> m, Optimizer opt) {
        switch (c) {
            case "step":
                return new StepLR(opt, Integer.parseInt(m.get(c + ".step_size")), Double.parseDouble(m.get(c + ".gamma")));
            case "exponential":
                return new ExponentialLR(opt, Double.parseDouble(m.get(c + ".gamma")));
            case "cosine":
            case "cosine_tmax7":
                return new CosineAnnealingLR(opt, Integer.parseInt(m.get(c + ".T_max")),
                        Double.parseDouble(m.get(c + ".eta_min")));
            case "warmup_cosine": {
                LinearLR warm = new LinearLR(opt, Double.parseDouble(m.get(c + ".start_factor")), 1.0,
                        Integer.parseInt(m.get(c + ".total_iters")));
                CosineAnnealingLR cos = new CosineAnnealingLR(opt, Integer.parseInt(m.get(c + ".T_max")),
                        Double.parseDouble(m.get(c + ".eta_min")));
                return new SequentialLR(opt, List.of(warm, cos), new int[] {Integer.parseInt(m.get(c + ".milestone"))});
            }
            case "linear_warmup":
                return new LinearLR(opt, Double.parseDouble(m.get(c + ".start_factor")),
                        Double.parseDouble(m.get(c + ".end_factor")), Integer.parseInt(m.get(c + ".total_iters")));
            default:
                return new ReduceLROnPlateau(opt,
                        ReduceLROnPlateau.Mode.valueOf(m.get(c + ".mode").toUpperCase(java.util.Locale.ROOT)),
                        Double.parseDouble(m.get(c + ".factor")), Integer.parseInt(m.get(c + ".patience")),
                        Double.parseDouble(m.get(c + ".threshold")),
                        ReduceLROnPlateau.ThresholdMode.valueOf(m.get(c + ".threshold_mode").toUpperCase(java.util.Locale.ROOT)),
                        Integer.parseInt(m.get(c + ".cooldown")), Double.parseDouble(m.get(c + ".min_lr")), 1e-8);
        }
    }

    @Test
    void schedulerStateRoundTrips() {
        SGD a = new SGD(params(), 0.1);
        CosineAnnealingLR s = new CosineAnnealingLR(a, 10, 0.0);
        for (int i = 0; i < 4; i++) {
            s.step();
        }
        SGD b = new SGD(params(), 0.1);
        CosineAnnealingLR t = new CosineAnnealingLR(b, 10, 0.0);
        b.loadState(b.stateTensors(), a.stateScalars());
        t.loadState(s.stateScalars());
        for (int i = 0; i < 8; i++) {
            s.step();
            t.step();
            assertThat(b.lr()).isEqualTo(a.lr());
        }
        assertThatThrownBy(() -> t.loadState(Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clipEdgeCases() {
        assertThat(ClipGrad.clipGradNorm(List.of(), 1.0)).isZero();
        List<Parameter> ps = params();
        ps.get(0).grad().set(Float.NaN, 0, 0);
        assertThatThrownBy(() -> ClipGrad.clipGradNorm(ps, 1.0, 2.0, true)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ClipGrad.clipGradValue(ps, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
