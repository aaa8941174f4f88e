// Throughput of Lucene's ArabicAnalyzer (the chain of Elasticsearch's `arabic` analyzer)
// over a UTF-8 file, one text per line, for benchmarks/analysis_rate.py: the lines are
// read into memory, then analysed `rounds` times in turn (each token's term read, as an
// indexer reads it; nothing printed per token). Prints one JSON object: the tokens of one
// pass and the nanoseconds of each pass, wall and this thread's CPU (the first pass runs
// before the JIT has compiled the analyzer: "cold"; the best of the later ones: "warm").
// Compiled by the benchmark with javac against Debian's liblucene8-java jars, beside
// LuceneArabic.java (the differential test's harness).
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

public class LuceneArabicRate {
    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        int rounds = Integer.parseInt(args[1]);
        ArabicAnalyzer analyzer = new ArabicAnalyzer();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder times = new StringBuilder();
        StringBuilder cpu = new StringBuilder();
        long tokens = 0;
        long checksum = 0;
        for (int round = 0; round < rounds; round++) {
            long count = 0;
            long started = System.nanoTime();
            long startedCpu = threads.getCurrentThreadCpuTime();
            for (String line : lines) {
                try (TokenStream stream = analyzer.tokenStream("f", line)) {
                    CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
                    stream.reset();
                    while (stream.incrementToken()) {
                        count++;
                        checksum += term.length();
                    }
                    stream.end();
                }
            }
            long elapsed = System.nanoTime() - started;
            long elapsedCpu = threads.getCurrentThreadCpuTime() - startedCpu;
            tokens = count;
            times.append(round == 0 ? "" : ",").append(elapsed);
            cpu.append(round == 0 ? "" : ",").append(elapsedCpu);
        }
        System.out.println("{\"lines\": " + lines.size() + ", \"tokens\": " + tokens
                           + ", \"term_chars\": " + checksum / rounds
                           + ", \"pass_ns\": [" + times + "], \"pass_cpu_ns\": [" + cpu + "]}");
    }
}
