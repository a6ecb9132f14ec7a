package nl.ketenbus.bench.streamspeer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The benchmark's Kafka Streams peer of `ketenbus translate` (bench/streams-peer/pom.xml).
 *
 * <pre>
 * StreamsPeer run --bootstrap HOST:PORT --input RAW_TOPIC --orders TOPIC --signals TOPIC
 *                 --deadletter TOPIC --application-id ID [--threads 1] [--state-dir DIR]
 *                 [--stop-after RECORDS]
 * StreamsPeer map [--channel webhook] FILE...
 * </pre>
 *
 * {@code run} translates until it is killed (SIGTERM closes it cleanly, committing what
 * it did), or until it has translated {@code --stop-after} records; every option may
 * also come from the environment as STREAMS_PEER_BOOTSTRAP, STREAMS_PEER_INPUT, ...
 * It is written the way its documentation shows: exactly_once_v2 (so read_committed,
 * transactions, commit every 100 ms), one stateless processor, three sinks.
 *
 * {@code map} runs the same mapping over partner files without Kafka and prints one
 * JSON line per file (target, key, value, headers): the test compares it with the
 * Python adapter's records (tests/bench/test_streams_peer.py).
 */
public final class StreamsPeer {
    private StreamsPeer() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("map"))) {
            System.err.println("usage: StreamsPeer run|map ... (see StreamsPeer.java)");
            System.exit(2);
        }
        if (args[0].equals("map")) {
            map(args);
            return;
        }
        System.exit(run(options(args)));
    }

    /** --name value pairs after the mode, with STREAMS_PEER_NAME from the environment as default. */
    private static Map<String, String> options(String[] args) {
        Map<String, String> found = new HashMap<>();
        for (String name : new String[] {
                "bootstrap", "input", "orders", "signals", "deadletter", "application-id",
                "threads", "state-dir", "stop-after"}) {
            String env = System.getenv("STREAMS_PEER_" + name.replace('-', '_').toUpperCase());
            if (env != null) {
                found.put(name, env);
            }
        }
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            found.put(args[i].substring(2), args[i + 1]);
        }
        for (String name : new String[] {"bootstrap", "input", "orders", "signals", "deadletter", "application-id"}) {
            if (!found.containsKey(name)) {
                throw new IllegalArgumentException("--" + name + " is required");
            }
        }
        return found;
    }

    static Topology topology(Map<String, String> options, AtomicLong translated) {
        Topology topology = new Topology();
        topology.addSource("raw", new ByteArrayDeserializer(), new ByteArrayDeserializer(), options.get("input"));
        topology.addProcessor("translate", () -> new Translate(translated), "raw");
        ByteArraySerializer bytes = new ByteArraySerializer();
        topology.addSink("ORDERS", options.get("orders"), bytes, bytes, "translate");
        topology.addSink("SIGNALS", options.get("signals"), bytes, bytes, "translate");
        topology.addSink("DEADLETTER", options.get("deadletter"), bytes, bytes, "translate");
        return topology;
    }

    /** Each raw record to its canonical record (or dead letter), sent to the sink of its target. */
    private static final class Translate implements Processor<byte[], byte[], byte[], byte[]> {
        private final AtomicLong translated;
        private ProcessorContext<byte[], byte[]> context;

        Translate(AtomicLong translated) {
            this.translated = translated;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            var meta = context.recordMetadata().orElseThrow();
            MaasdalMapper.Mapped mapped = MaasdalMapper.map(
                    record.key(), record.value(), record.headers(), meta.topic(), meta.partition(), meta.offset());
            // New headers: the raw record's kb_ headers do not belong on a canonical fact.
            context.forward(
                    new Record<>(mapped.key(), mapped.value(), record.timestamp(), mapped.headers()),
                    mapped.target().name());
            translated.incrementAndGet();
        }
    }

    private static int run(Map<String, String> options) throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, options.get("application-id"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, options.getOrDefault("threads", "1"));
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(
                StreamsConfig.STATE_DIR_CONFIG,
                options.getOrDefault("state-dir", Files.createTempDirectory("streams-peer").toString()));
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // exactly_once_v2 sets it already; said here because the comparison depends on it.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");

        AtomicLong translated = new AtomicLong();
        long stopAfter = Long.parseLong(options.getOrDefault("stop-after", "0"));
        CountDownLatch done = new CountDownLatch(1);
        int[] exit = {0};
        KafkaStreams streams = new KafkaStreams(topology(options, translated), props);
        streams.setUncaughtExceptionHandler(exc -> {
            System.err.println("streams-peer: stopping after an error: " + exc);
            exit[0] = 1;
            done.countDown();
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            System.err.println(java.time.Instant.now() + " streams-peer: " + before + " -> " + now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                done.countDown();
            }
        });
        Thread closing = new Thread(() -> {
            streams.close(Duration.ofSeconds(30));
            done.countDown();
        }, "streams-peer-close");
        Runtime.getRuntime().addShutdownHook(closing);
        streams.start();
        if (stopAfter > 0) {
            while (translated.get() < stopAfter && done.getCount() > 0) {
                Thread.sleep(50);
            }
            Runtime.getRuntime().removeShutdownHook(closing);
            closing.start();
        }
        done.await();
        closing.join(Duration.ofSeconds(35).toMillis());
        System.err.println("streams-peer: translated " + translated.get() + " records");
        return exit[0];
    }

    private static void map(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String channel = "webhook";
        int first = 1;
        if (args.length > 2 && args[1].equals("--channel")) {
            channel = args[2];
            first = 3;
        }
        for (int i = first; i < args.length; i++) {
            Path path = Path.of(args[i]);
            RecordHeaders raw = new RecordHeaders();
            raw.add("kb_partner", MaasdalMapper.PARTNER.getBytes(StandardCharsets.UTF_8));
            raw.add("kb_channel", channel.getBytes(StandardCharsets.UTF_8));
            raw.add("kb_received_at", "2026-12-03T14:00:00+00:00".getBytes(StandardCharsets.UTF_8));
            raw.add("kb_content_type", "application/json".getBytes(StandardCharsets.UTF_8));
            raw.add("kb_origin", path.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            MaasdalMapper.Mapped mapped =
                    MaasdalMapper.map(null, Files.readAllBytes(path), raw, "raw", 0, i - first);
            ObjectNode line = json.createObjectNode();
            line.put("file", path.getFileName().toString());
            line.put("target", mapped.target().name().toLowerCase());
            line.put("key", mapped.key() == null ? null : new String(mapped.key(), StandardCharsets.UTF_8));
            JsonNode value = mapped.target() == MaasdalMapper.Target.DEADLETTER
                    ? json.getNodeFactory().textNode(new String(mapped.value(), StandardCharsets.UTF_8))
                    : json.readTree(mapped.value());
            line.set("value", value);
            ArrayNode headers = line.putArray("headers");
            for (Header header : mapped.headers()) {
                headers.addArray().add(header.key()).add(new String(header.value(), StandardCharsets.UTF_8));
            }
            System.out.println(json.writeValueAsString(line));
        }
    }
}
