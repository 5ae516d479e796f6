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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The PyTorch check of the original demo: builds the four architectures, prints their parameter tables under
 * PyTorch's names and their output shapes on a bundled batch, and checks a StackedBiRNN loaded with torch's
 * weights against the output torch computed ({@code tools/gen_demo.py}). Exit code 1 on a mismatch.
 */
@Command(name = "check-torch", usageHelpWidth = 110, header = "Parameter tables of the four architectures and a StackedBiRNN checked against PyTorch.",
        descriptionHeading = "%n", description = {
    "Prints the parameter tables (PyTorch names and shapes) of the four architectures and their output shapes on",
    "a bundled batch, and checks a StackedBiRNN with PyTorch's weights against PyTorch's output (tools/gen_demo.py).",
    "Exit code 1 if they differ by more than 1e-5.", ""})
final class CheckTorch implements Callable<Integer> {

    private static final String DEMO = "/demo/stacked_birnn.safetensors";
    private static final double ATOL = 1e-5;

    @Mixin
    Options options = new Options();

    @Override
    public Integer call() throws IOException {
        options.applyThreads();
        return run() ? 0 : 1;
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
