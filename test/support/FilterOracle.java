// AWS's own filter engine (software.amazon.event.ruler:event-ruler) as the oracle of the local
// filter emulation: reads one case per line, {"patterns": ["<pattern JSON>", ...], "value": "<base64>" | null},
// and prints one verdict per line: 1 (delivered), 0 (filtered out) or E (a pattern was refused).
//   java -cp '<event-ruler libs>/*' FilterOracle.java <cases file>
//
// The record is turned into the event Lambda's Kafka filtering matches, as the docs describe it
// (https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html): the value decoded from
// base64 (UTF-8), as parsed JSON when it is valid JSON, else as a plain string, under "value";
// a record without a value is an event without "value". Filters are ORed: each pattern is its own
// machine and the record is delivered when one of them matches.
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import software.amazon.event.ruler.Machine;

public class FilterOracle {
  private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    try (BufferedReader in = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8);
         BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) continue;
        JsonNode testCase = mapper.readTree(line);
        out.write(verdict(testCase, mapper));
        out.write('\n');
      }
    }
  }

  private static String verdict(JsonNode testCase, ObjectMapper mapper) throws Exception {
    List<Machine> machines = new ArrayList<>();
    try {
      for (JsonNode pattern : testCase.get("patterns")) {
        Machine machine = new Machine();
        machine.addRule("filter", pattern.asText());
        machines.add(machine);
      }
    } catch (Exception e) {
      return "E";
    }
    String event = eventOf(testCase.get("value"), mapper);
    for (Machine machine : machines) {
      if (!machine.rulesForJSONEvent(event).isEmpty()) return "1";
    }
    return "0";
  }

  private static String eventOf(JsonNode value, ObjectMapper mapper) throws Exception {
    if (value == null || value.isNull()) return "{}";
    String text = new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8);
    return "{\"value\":" + (isJson(text) ? text : mapper.writeValueAsString(text)) + "}";
  }

  private static boolean isJson(String text) {
    try {
      JsonNode node = STRICT.readTree(text);
      return node != null && !node.isMissingNode();
    } catch (Exception e) {
      return false;
    }
  }
}
