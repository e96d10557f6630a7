// Prints the partition the Java Kafka client's default partitioner picks for each key:
//   java -cp '<kafka libs>/*' JavaPartition.java <partitions> <key>...
import org.apache.kafka.common.utils.Utils;
import java.nio.charset.StandardCharsets;

public class JavaPartition {
  public static void main(String[] args) {
    int partitions = Integer.parseInt(args[0]);
    for (int i = 1; i < args.length; i++) {
      byte[] key = args[i].getBytes(StandardCharsets.UTF_8);
      System.out.println(Utils.toPositive(Utils.murmur2(key)) % partitions);
    }
  }
}
