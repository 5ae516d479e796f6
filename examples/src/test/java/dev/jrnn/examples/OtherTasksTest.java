package dev.jrnn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other tasks on tiny settings: they run, learn something, and write their PNGs. */
class OtherTasksTest {

    @TempDir
    Path dir;

    @Test
    void forecastBeatsTheNaiveForecastAndPlots() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        Forecast f = AppTestSupport.parse(new Forecast(), "--epochs", "25", "--out", dir.toString());
        f.out = out.stream;
        Forecast.Result r = f.run();
        assertThat(r.rmse()).isLessThan(r.naiveRmse());
        BufferedImage img = AppTestSupport.image(r.png());
        assertThat(img.getWidth()).isEqualTo(1000);
        assertThat(img.getHeight()).isEqualTo(450);
    }

    @Test
    void charLmLossFallsAndSamplesAreText() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        CharLm c = AppTestSupport.parse(new CharLm(), "--epochs", "2", "--windows", "300", "--hidden", "32",
                "--out", dir.toString());
        c.out = out.stream;
        CharLm.Result r = c.run();
        assertThat(r.trainLosses().get(1)).isLessThan(r.trainLosses().get(0));
        assertThat(r.valLosses().get(1)).isLessThan(Math.log(Text.V));   // better than uniform guessing
        assertThat(r.samples()).hasSize(2).allSatisfy(s -> assertThat(s).hasSize(160));
        assertThat(AppTestSupport.image(r.png()).getWidth()).isEqualTo(800);
    }

    @Test
    void varLenClassifiesWholeVersesAboveChance() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        VarLen v = AppTestSupport.parse(new VarLen(), "--epochs", "1", "--train", "200", "--hidden", "32");
        v.out = out.stream;
        VarLen.Result r = v.run();
        assertThat(r.valAccuracy()).isGreaterThan(0.45);   // chance: 1/3
        assertThat(out.text()).contains("no packed sequences in jrnn yet (issue 6)");
    }

    @Test
    void sameSeedSameNumbersWhateverTheThreadCount() throws Exception {
        double[] loss = new double[2];
        int before = dev.jrnn.tensor.Threads.count();
        try {
            for (int t = 1; t <= 2; t++) {
                AppTestSupport.Captured out = new AppTestSupport.Captured();
                Segment s = AppTestSupport.parse(new Segment(), "--epochs", "1", "--train", "60", "--hidden", "16",
                        "--threads", Integer.toString(t), "--out", dir.toString());
                s.out = out.stream;
                loss[t - 1] = s.run().runs().get(3).valLoss();
            }
        } finally {
            dev.jrnn.tensor.Threads.setCount(before);
        }
        assertThat(loss[1]).isEqualTo(loss[0]);
    }

    @Test
    void aBadSeriesIsOneLineAndExitTwo() throws Exception {
        Path csv = dir.resolve("bad.csv");
        java.nio.file.Files.writeString(csv, "year,value\n1700,5\n1701,eleven\n");
        RunTorchTest.assertOneLineError(AppTestSupport.runApp("forecast", "--series", csv.toString()),
                "error: " + csv + " line 3: expected year,value, got '1701,eleven'");
        RunTorchTest.assertOneLineError(AppTestSupport.runApp("forecast", "--series", dir.resolve("none.csv").toString()),
                "error: no such file: ");
    }

    @Test
    void checkTorchMatches() {
        AppTestSupport.Exit e = AppTestSupport.runApp("check-torch");
        assertThat(e.code()).isEqualTo(0);
        assertThat(e.out()).contains("MATCH");
    }
}
