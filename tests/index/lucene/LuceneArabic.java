// Runs Lucene's ArabicAnalyzer (the chain of Elasticsearch's `arabic` analyzer) over a
// UTF-8 file, one text per line, and prints every token for the differential test
// (tests/index/test_lucene_differential.py): a line "#N" before the tokens of line N, then
// one line per token: term TAB type TAB position TAB startOffset TAB endOffset.
// Compiled by the test with javac against Debian's liblucene8-java jars.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;

public class LuceneArabic {
    public static void main(String[] args) throws Exception {
        ArabicAnalyzer analyzer = new ArabicAnalyzer();
        BufferedWriter out = new BufferedWriter(
            new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try (BufferedReader in = Files.newBufferedReader(Paths.get(args[0]),
                                                         StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                out.write("#" + number++ + "\n");
                try (TokenStream stream = analyzer.tokenStream("f", line)) {
                    CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
                    TypeAttribute type = stream.addAttribute(TypeAttribute.class);
                    PositionIncrementAttribute inc =
                        stream.addAttribute(PositionIncrementAttribute.class);
                    OffsetAttribute offset = stream.addAttribute(OffsetAttribute.class);
                    stream.reset();
                    int position = -1;
                    while (stream.incrementToken()) {
                        position += inc.getPositionIncrement();
                        out.write(term.toString() + "\t" + type.type() + "\t" + position + "\t"
                                  + offset.startOffset() + "\t" + offset.endOffset() + "\n");
                    }
                    stream.end();
                }
            }
        }
        out.flush();
    }
}
