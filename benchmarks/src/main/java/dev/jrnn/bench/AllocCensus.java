package dev.jrnn.bench;

import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;

/**
 * Which objects one call of a benchmark row allocates, class by class, once the JIT has settled.
 *
 * <p>JMH's {@code -prof gc} gives bytes per call but not what they are, and its count includes the
 * harness. This census runs {@link RnnBench}'s calls in a JVM whose collector never frees anything
 * (Epsilon), takes a heap histogram before and after {@code n} calls and a third one right after the
 * second (nothing in between: the histogram's own garbage), and prints the difference per call:
 * <pre>
 * java -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms16g -Xmx16g \
 *     --add-modules jdk.incubator.vector -Djrnn.simd=vector \
 *     -cp benchmarks/target/benchmarks.jar dev.jrnn.bench.AllocCensus lstm512 fwd 300 40 1
 * </pre>
 * Arguments: the row, {@code fwd} or {@code fwdBwd}, warm-up calls, measured calls, threads. The heap
 * must hold every call's garbage (lstm512 fwd: 6.8 MB per call). {@code [Ljdk.internal.vm.FillerElement;}
 * lines are the unused tails of allocation buffers, not allocations of the code.
 */
public final class AllocCensus {

    /** Keeps each call's result reachable, so that the JIT cannot drop it. */
    private static volatile Object sink;

    private AllocCensus() {
    }

    /** Runs the census; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 5 || !(args[1].equals("fwd") || args[1].equals("fwdBwd"))) {
            throw new IllegalArgumentException("usage: AllocCensus ROW fwd|fwdBwd WARMUP CALLS THREADS, got "
                    + String.join(" ", args));
        }
        Rows r = Rows.of(args[0]);
        boolean train = args[1].equals("fwdBwd");
        int warm = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[3]);
        Threads.setCount(Integer.parseInt(args[4]));
        RNNBase m = r.module(42L);
        if (train) {
            m.train();
        } else {
            m.eval();
        }
        int dirs = r.bidirectional() ? 2 : 1;
        Tensor x = Tensor.normal(new Generator(7), 0f, 1f, r.seqLen(), r.batch(), r.inputSize());
        Tensor gradOutput = Tensor.ones(r.seqLen(), r.batch(), dirs * r.hiddenSize());
        Tensor gradHn = Tensor.ones(dirs * r.layers(), r.batch(), r.hiddenSize());
        for (int i = 0; i < warm; i++) {
            sink = call(m, r.mode() == Mode.LSTM, train, x, gradOutput, gradHn);
        }
        Map<String, long[]> before = histogram();
        for (int i = 0; i < n; i++) {
            sink = call(m, r.mode() == Mode.LSTM, train, x, gradOutput, gradHn);
        }
        Map<String, long[]> after = histogram();
        Map<String, long[]> idle = histogram();
        List<String> lines = new ArrayList<>();
        double total = 0;
        for (var e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long[] z = idle.getOrDefault(e.getKey(), e.getValue());
            double objects = (2.0 * e.getValue()[0] - b[0] - z[0]) / n;
            double bytes = (2.0 * e.getValue()[1] - b[1] - z[1]) / n;
            if (Math.abs(objects) >= 0.5) {
                lines.add(String.format("%12.1f B %8.2f objects  %s", bytes, objects, e.getKey()));
                if (!e.getKey().startsWith("[Ljdk.internal.vm.FillerElement;")) {
                    total += bytes;
                }
            }
        }
        lines.sort((p, q) -> Double.compare(Double.parseDouble(q.trim().split("\\s+")[0]),
                Double.parseDouble(p.trim().split("\\s+")[0])));
        System.out.printf("%s %s, %d thread(s), per call after %d warm-up calls (mean of %d):%n",
                r.name(), args[1], Threads.count(), warm, n);
        lines.forEach(System.out::println);
        System.out.printf("%12.1f B in all (fillers excluded)%n", total);
    }

    private static Object call(RNNBase m, boolean lstm, boolean train, Tensor x, Tensor gradOutput, Tensor gradHn) {
        if (lstm) {
            var o = ((LSTM) m).forward(x);
            return train ? o.backward(gradOutput, gradHn, null, false) : o;
        }
        RNNOutput o = m instanceof dev.jrnn.nn.RNN rnn ? rnn.forward(x) : ((dev.jrnn.nn.GRU) m).forward(x);
        return train ? o.backward(gradOutput, gradHn, false) : o;
    }

    /** {@return instances and bytes per class name, from the JVM's class histogram of every object} */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()});
        Map<String, long[]> counts = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                counts.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return counts;
    }
}
