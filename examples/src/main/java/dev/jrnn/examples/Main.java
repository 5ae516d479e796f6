package dev.jrnn.examples;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The examples app. Its default job builds the four architectures people build first (SimpleRNN,
 * BiRNN, StackedRNN, StackedBiRNN), runs each on a bundled batch of sequences, prints their parameter
 * tables under PyTorch's names, their output and h_n shapes, and checks the StackedBiRNN against the
 * output PyTorch computed with the same weights ({@code tools/gen_demo.py}).
 *
 * <p>Exit code 0 when the PyTorch check passes, 1 when it does not, 2 on bad input.
 */
public final class Main {

    private static final String DEMO = "/demo/stacked_birnn.safetensors";
    private static final double ATOL = 1e-5;

    private Main() {
    }

    public static void main(String[] args) {
        boolean verbose = false;
        for (String a : args) {
            if (a.equals("--verbose")) {
                verbose = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: examples/run [--verbose]\n\n"
                        + "Builds SimpleRNN, BiRNN, StackedRNN and StackedBiRNN, runs them on a bundled batch,\n"
                        + "prints parameter tables and shapes, and checks StackedBiRNN against PyTorch.");
                return;
            } else {
                System.err.println("error: unknown argument '" + a + "' (try --help)");
                System.exit(2);
            }
        }
        try {
            System.exit(new Main().run() ? 0 : 1);
        } catch (IOException | RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            if (verbose) {
                e.printStackTrace();
            }
            System.exit(2);
        }
    }

    private boolean run() throws IOException {
        SafetensorsFile demo;
        try (InputStream in = Main.class.getResourceAsStream(DEMO)) {
            if (in == null) {
                throw new IOException("bundled demo batch " + DEMO + " is missing from the class path");
            }
            demo = Safetensors.read(in);
        }
        Tensor batch = demo.tensor("input");   // (L, N, H_in)
        int[] s = batch.shape();
        System.out.printf("jrnn demo: a bundled batch of %d sequences, %d steps, %d features: input (L, N, H_in) = %s%n%n",
                s[1], s[0], s[2], batch.shapeString());

        int in = s[2];
        int hidden = 16;
        Map<String, RNN> models = new LinkedHashMap<>();
        models.put("SimpleRNN     RNN.simpleRNN(8, 16)           # nn.RNN(8, 16)", RNN.simpleRNN(in, hidden));
        models.put("BiRNN         RNN.biRNN(8, 16)               # nn.RNN(8, 16, bidirectional=True)",
                RNN.biRNN(in, hidden));
        models.put("StackedRNN    RNN.stackedRNN(8, 16, 2)       # nn.RNN(8, 16, num_layers=2)",
                RNN.stackedRNN(in, hidden, 2));
        models.put("StackedBiRNN  RNN.stackedBiRNN(8, 16, 2)     # nn.RNN(8, 16, num_layers=2, bidirectional=True)",
                RNN.stackedBiRNN(in, hidden, 2));

        for (Map.Entry<String, RNN> e : models.entrySet()) {
            RNN rnn = e.getValue().eval();
            System.out.println(e.getKey());
            System.out.println("  " + rnn + "  —  " + rnn.numParameters() + " parameters");
            for (Parameter p : rnn.parameters()) {
                System.out.printf("    %-22s %s%n", p.name(), p.data().shapeString());
            }
            RNNOutput out = rnn.forward(batch);
            System.out.printf("  output %s   h_n %s   top final states %s%n%n", out.output().shapeString(),
                    out.hN().shapeString(), out.topFinalStates().shapeString());
        }

        RNN stackedBi = RNN.stackedBiRNN(in, hidden, 2).eval();
        Map<String, Tensor> torchWeights = new LinkedHashMap<>();
        for (String name : RNNBase.parameterNames(stackedBi.config())) {
            torchWeights.put(name, demo.tensor(name));
        }
        stackedBi.loadStateDict(torchWeights, true);
        RNNOutput out = stackedBi.forward(batch);
        double dOut = maxAbsDiff(out.output(), demo.tensor("output"));
        double dHn = maxAbsDiff(out.hN(), demo.tensor("h_n"));
        boolean ok = dOut <= ATOL && dHn <= ATOL;
        System.out.printf("PyTorch check: StackedBiRNN with the weights of torch %s (tools/gen_demo.py)%n",
                demo.metadata().getOrDefault("torch_version", "?"));
        System.out.printf("  max |jrnn - torch|: output %.2e, h_n %.2e (tolerance %.0e)  ->  %s%n", dOut, dHn, ATOL,
                ok ? "MATCH" : "MISMATCH");
        return ok;
    }

    /** {@return max |a − b|, NaN if either holds NaN, +∞ if the shapes differ} */
    private static double maxAbsDiff(Tensor a, Tensor b) {
        return a.sameShape(b) ? a.sub(b).abs().max().item() : Double.POSITIVE_INFINITY;
    }
}
