package nl.ketenbus.bench.streamspeer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One raw Maasdal record to one canonical record, the work `ketenbus translate` does per
 * message (connectors/maasdal/inbound.py, contracts/_envelope.py, contracts/_facts.py):
 * read the raw record's kb_ headers, parse the JSON, check the fields the adapter and the
 * fact models check, build the fact's JSON (the same fields in the same order, amounts as
 * strings, instants in UTC) and the CloudEvents binary headers with the ownership
 * extensions. A message that fails a check becomes a dead letter with the original
 * bytes, as in the translator. Stateless and thread-safe.
 */
final class MaasdalMapper {
    static final String PARTNER = "maasdal";
    private static final String STAGE = "translate";
    private static final ZoneId AMSTERDAM = ZoneId.of("Europe/Amsterdam");
    private static final Pattern ORDER_NUMBER = Pattern.compile("^WL-\\d{4}-\\d{6}$");
    private static final Pattern NLSFB = Pattern.compile("^\\d{2}(\\.\\d{1,2})?$");
    private static final Set<String> TYPES = Set.of("STATUS", "AFSPRAAK", "GEREED", "SIGNALERING");
    private static final Set<String> DICO_STATUS =
            Set.of("REG", "ACC", "WEI", "OND", "VER", "TGE", "AGE", "VAN", "ANN", "VIN", "AIN", "REV", "REA");
    private static final Set<String> INFORMATION = Set.of("VIN", "AIN", "REV", "REA");
    private static final Map<String, String> STATUS_FACTS =
            Map.of(
                    "REG", "order.registered",
                    "ACC", "order.accepted",
                    "WEI", "order.refused",
                    "AGE", "order.administratively-completed",
                    "VAN", "order.cancellation-requested",
                    "ANN", "order.cancelled");
    private static final Set<String> DICO_DETAIL =
            Set.of("BNT", "MIB", "OHD", "THD", "AFH", "AFN", "BBT", "AFR", "AVW", "AWE", "AFW", "VBW", "QUR");
    private static final Set<String> DICO_CAUSE = Set.of("HUU", "SLT", "OUD");
    private static final Set<String> SIGNAL_CATEGORY =
            Set.of(
                    "VERVUILING", "VERWAARLOZING", "EENZAAMHEID", "OVERLAST",
                    "BETALINGSPROBLEMEN", "ZORGBEHOEFTE", "AGRESSIE", "OVERIG");
    private static final Map<String, String> UNITS = units();
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ObjectReader READER = JSON.readerFor(MaasdalBericht.class);
    private static final ObjectWriter WRITER = JSON.writer();

    /** Where a mapped record goes. */
    enum Target { ORDERS, SIGNALS, DEADLETTER }

    /** What one raw record becomes. */
    record Mapped(Target target, byte[] key, byte[] value, Headers headers) {}

    /** A message that is not a valid canonical fact: a dead letter, never a stop. */
    static final class InvalidMessage extends Exception {
        InvalidMessage(String message) {
            super(message, null, false, false); // no stack trace: it is an answer, not a bug
        }
    }

    private MaasdalMapper() {}

    static Mapped map(byte[] key, byte[] value, Headers raw, String topic, int partition, long offset) {
        try {
            return translate(value, raw);
        } catch (InvalidMessage exc) {
            return deadLetter(key, value, raw, topic, partition, offset, exc);
        }
    }

    private static Mapped translate(byte[] value, Headers raw) throws InvalidMessage {
        // RawMessage.from_kafka: partner, channel and received_at must be there and readable.
        String partner = header(raw, "kb_partner");
        String channel = header(raw, "kb_channel");
        String receivedAt = header(raw, "kb_received_at");
        if (partner == null || channel == null || receivedAt == null) {
            throw new InvalidMessage("raw record without its kb_ headers");
        }
        instant(receivedAt, "kb_received_at");
        if (!PARTNER.equals(partner)) {
            throw new InvalidMessage("no inbound adapter for partner " + partner);
        }
        MaasdalBericht bericht;
        try {
            bericht = READER.readValue(value);
        } catch (JacksonException exc) {
            throw new InvalidMessage("not a JSON object of the Maasdal format");
        } catch (java.io.IOException exc) {
            throw new InvalidMessage("unreadable: " + exc.getClass().getSimpleName());
        }
        if (bericht == null) {
            throw new InvalidMessage("not a JSON object");
        }
        Fact fact = fact(bericht);
        String subject = fact.orderNumber;
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", ascii("application/json"));
        headers.add("ce_specversion", ascii("1.0"));
        headers.add("ce_id", ascii(EventIds.eventId(PARTNER, bericht.berichtId(), 0)));
        headers.add("ce_source", utf8("/partners/" + PARTNER + "/" + channel));
        headers.add("ce_type", ascii("nl.ketenbus." + fact.type + ".v1"));
        headers.add("ce_subject", ascii(subject));
        headers.add("ce_time", ascii(rfc3339(fact.occurredAt)));
        headers.add("ce_dataschema", ascii("urn:ketenbus:contracts:" + fact.type + ":v1"));
        headers.add("ce_owner", ascii("corporation"));
        headers.add("ce_producer", ascii(PARTNER));
        headers.add("ce_classification", ascii(fact.classification));
        headers.add("ce_purpose", ascii(fact.restricted ? "social-care" : "order-execution"));
        headers.add("ce_retention", ascii(fact.restricted ? "P2Y" : "P7Y"));
        String traceparent = header(raw, "traceparent");
        if (traceparent != null && !traceparent.isEmpty()) {
            headers.add("ce_traceparent", ascii(traceparent));
        }
        byte[] json;
        try {
            json = WRITER.writeValueAsBytes(fact.data);
        } catch (JacksonException exc) {
            throw new InvalidMessage("the fact cannot be written: " + exc.getClass().getSimpleName());
        }
        return new Mapped(fact.restricted ? Target.SIGNALS : Target.ORDERS, ascii(subject), json, headers);
    }

    /** The fact: its type, its JSON fields in the models' order, and its ownership class. */
    private static final class Fact {
        final Map<String, Object> data = new LinkedHashMap<>();
        String type;
        String orderNumber;
        Instant occurredAt;
        boolean restricted;
        boolean personal;
        boolean special;
        String classification;
    }

    private static Fact fact(MaasdalBericht b) throws InvalidMessage {
        String id = b.berichtId();
        if (id == null || id.isEmpty()) {
            throw new InvalidMessage("berichtId: required, at least 1 character");
        }
        String kind = b.berichtType();
        if (kind == null || !TYPES.contains(kind)) {
            throw new InvalidMessage("berichtType: one of STATUS, AFSPRAAK, GEREED, SIGNALERING");
        }
        Fact fact = new Fact();
        fact.occurredAt = instant(required(b.tijdstip(), "tijdstip"), "tijdstip");
        String order = required(b.opdrachtnummer(), "opdrachtnummer");
        if (!ORDER_NUMBER.matcher(order).matches()) {
            throw new InvalidMessage("order_number: WL-YYYY-NNNNNN");
        }
        fact.orderNumber = order;
        fact.data.put("order_number", order);
        fact.data.put("partner_reference", b.werkbonnummer());
        fact.data.put("occurred_at", rfc3339(fact.occurredAt));
        fact.data.put("note", null);
        fact.data.put("tenant", null);
        if (b.huurder() != null) {
            Map<String, Object> tenant = new LinkedHashMap<>();
            tenant.put("name", personal(fact, b.huurder().naam()));
            tenant.put("phone", personal(fact, b.huurder().telefoon()));
            fact.data.put("tenant", tenant);
        }
        switch (kind) {
            case "AFSPRAAK" -> appointment(fact, b.afspraak());
            case "GEREED" -> completion(fact, b.gereed());
            case "SIGNALERING" -> signal(fact, b.signalering());
            default -> status(fact, b.status());
        }
        fact.classification = fact.special ? "special-category" : fact.personal ? "personal" : "internal";
        return fact;
    }

    private static void status(Fact fact, MaasdalBericht.Status status) throws InvalidMessage {
        if (status == null) {
            throw new InvalidMessage("status: required for berichtType STATUS");
        }
        String code = status.code();
        if (code == null || !DICO_STATUS.contains(code)) {
            throw new InvalidMessage("status.code: not a code of DICO StatusCode");
        }
        if (status.detailcode() != null && !DICO_DETAIL.contains(status.detailcode())) {
            throw new InvalidMessage("status.detailcode: not a code of DICO StatusDetailCode");
        }
        LocalDate newDeadline =
                status.nieuweGereeddatum() == null ? null : date(status.nieuweGereeddatum(), "status.nieuweGereeddatum");
        fact.data.put("note", personal(fact, status.toelichting()));
        if (INFORMATION.contains(code)) {
            fact.type = "order.information-exchanged";
            fact.data.put("code", code);
        } else if (code.equals("OND")) {
            fact.type = "order.interrupted";
            fact.data.put("reason", status.detailcode());
        } else if (code.equals("VER")) {
            if (newDeadline == null) {
                throw new InvalidMessage("status.nieuweGereeddatum: required with VER");
            }
            fact.type = "order.lead-time-extended";
            fact.data.put("new_deadline", newDeadline.toString());
        } else if (code.equals("TGE")) {
            // A bare TGE status (without a GEREED message) completes at the message's time.
            fact.type = "order.technically-completed";
            fact.data.put("completed_at", rfc3339(fact.occurredAt));
            fact.data.put("first_time_fix", null);
            fact.data.put("cause", null);
            fact.data.put("nlsfb_element", null);
            fact.data.put("hours", List.of());
            fact.data.put("materials", List.of());
        } else {
            fact.type = STATUS_FACTS.get(code);
        }
    }

    private static void appointment(Fact fact, MaasdalBericht.Afspraak afspraak) throws InvalidMessage {
        if (afspraak == null) {
            throw new InvalidMessage("afspraak: required for berichtType AFSPRAAK");
        }
        LocalDate day = date(required(afspraak.datum(), "afspraak.datum"), "afspraak.datum");
        LocalTime from = time(required(afspraak.van(), "afspraak.van"), "afspraak.van");
        LocalTime to = time(required(afspraak.tot(), "afspraak.tot"), "afspraak.tot");
        fact.type = "order.appointment-planned";
        // Maasdal's appointment is a local date with local times of day (contracts/_time.py:
        // Java's gap and overlap rules give the same instants as zoneinfo with fold=0).
        fact.data.put("starts_at", rfc3339(LocalDateTime.of(day, from).atZone(AMSTERDAM).toInstant()));
        fact.data.put("ends_at", rfc3339(LocalDateTime.of(day, to).atZone(AMSTERDAM).toInstant()));
        fact.data.put("mechanic", personal(fact, afspraak.monteur()));
    }

    private static void completion(Fact fact, MaasdalBericht.Gereed gereed) throws InvalidMessage {
        if (gereed == null) {
            throw new InvalidMessage("gereed: required for berichtType GEREED");
        }
        Instant completedAt = instant(required(gereed.gereedOp(), "gereed.gereedOp"), "gereed.gereedOp");
        if (gereed.oorzaak() != null && !DICO_CAUSE.contains(gereed.oorzaak())) {
            throw new InvalidMessage("gereed.oorzaak: not a code of DICO oorzaak");
        }
        if (gereed.nlsfb() != null && !NLSFB.matcher(gereed.nlsfb()).matches()) {
            throw new InvalidMessage("nlsfb_element: an NL-SfB code such as 52.11");
        }
        List<Map<String, Object>> hours = new ArrayList<>();
        for (MaasdalBericht.Uur uur : gereed.uren() == null ? List.<MaasdalBericht.Uur>of() : gereed.uren()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("mechanic", personal(fact, uur.monteur()));
            line.put("hours", decimal(uur.aantal(), 4, "gereed.uren.aantal"));
            line.put("description", null);
            line.put("hourly_rate", null);
            hours.add(line);
        }
        List<Map<String, Object>> materials = new ArrayList<>();
        for (MaasdalBericht.Materiaal m :
                gereed.materialen() == null ? List.<MaasdalBericht.Materiaal>of() : gereed.materialen()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("article_number", m.artikelnummer());
            line.put("description", required(m.omschrijving(), "gereed.materialen.omschrijving"));
            line.put("quantity", decimal(m.aantal(), 4, "gereed.materialen.aantal"));
            line.put("unit", unit(required(m.eenheid(), "gereed.materialen.eenheid")));
            line.put("unit_price", decimal(m.stukprijs(), 2, "gereed.materialen.stukprijs"));
            materials.add(line);
        }
        fact.type = "order.technically-completed";
        fact.data.put("completed_at", rfc3339(completedAt));
        fact.data.put("first_time_fix", gereed.eersteKeerGoed());
        fact.data.put("cause", gereed.oorzaak());
        fact.data.put("nlsfb_element", gereed.nlsfb());
        fact.data.put("hours", hours);
        fact.data.put("materials", materials);
    }

    private static void signal(Fact fact, MaasdalBericht.Signalering signalering) throws InvalidMessage {
        if (signalering == null) {
            throw new InvalidMessage("signalering: required for berichtType SIGNALERING");
        }
        String category = signalering.categorie();
        if (category == null || !SIGNAL_CATEGORY.contains(category)) {
            throw new InvalidMessage("signalering.categorie: not a code of signal category");
        }
        if (signalering.urgent() == null) {
            throw new InvalidMessage("signalering.urgent: required");
        }
        fact.type = "order.social-signal-raised";
        fact.restricted = true;
        fact.data.put("category", category);
        String note = signalering.toelichting();
        if (note != null && !note.isEmpty()) {
            fact.special = true;
        }
        fact.data.put("signal_note", note);
        fact.data.put("urgent", signalering.urgent());
    }

    /** A personal field: its value, and the fact is at least personal when it holds one. */
    private static String personal(Fact fact, String value) {
        if (value != null && !value.isEmpty()) {
            fact.personal = true;
        }
        return value;
    }

    /** An exact amount or quantity: at least 0, at most {@code places} decimals, as a string. */
    private static String decimal(BigDecimal value, int places, String field) throws InvalidMessage {
        if (value == null) {
            throw new InvalidMessage(field + ": required");
        }
        if (value.signum() < 0) {
            throw new InvalidMessage(field + ": at least 0");
        }
        if (value.stripTrailingZeros().scale() > places) {
            throw new InvalidMessage(field + ": at most " + places + " decimal places");
        }
        return value.toPlainString();
    }

    private static String unit(String partnerUnit) throws InvalidMessage {
        String unit = UNITS.get(partnerUnit.strip().toUpperCase(java.util.Locale.ROOT));
        if (unit == null) {
            throw new InvalidMessage("unknown unit (known: " + String.join(", ", new java.util.TreeSet<>(UNITS.keySet())) + ")");
        }
        return unit;
    }

    private static String required(String value, String field) throws InvalidMessage {
        if (value == null) {
            throw new InvalidMessage(field + ": required");
        }
        return value;
    }

    private static Instant instant(String text, String field) throws InvalidMessage {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException exc) {
            throw new InvalidMessage(field + ": a date and time with an offset");
        }
    }

    private static LocalDate date(String text, String field) throws InvalidMessage {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException exc) {
            throw new InvalidMessage(field + ": a date");
        }
    }

    private static LocalTime time(String text, String field) throws InvalidMessage {
        try {
            return LocalTime.parse(text);
        } catch (DateTimeParseException exc) {
            throw new InvalidMessage(field + ": a time of day");
        }
    }

    /** As contracts/_envelope.py writes ce_time: seconds, microseconds only when there are any, Z. */
    static String rfc3339(Instant moment) {
        LocalDateTime utc = LocalDateTime.ofInstant(moment, ZoneOffset.UTC);
        String text = SECONDS.format(utc);
        int micros = utc.getNano() / 1000;
        return micros == 0 ? text + "Z" : text + String.format(".%06dZ", micros);
    }

    private static Mapped deadLetter(
            byte[] key, byte[] value, Headers raw, String topic, int partition, long offset, InvalidMessage exc) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : raw) {
            headers.add(header);
        }
        headers.add("__connect.errors.topic", utf8(topic));
        headers.add("__connect.errors.partition", ascii(Integer.toString(partition)));
        headers.add("__connect.errors.offset", ascii(Long.toString(offset)));
        headers.add("__connect.errors.stage", ascii(STAGE));
        headers.add("__connect.errors.exception.class.name", ascii("InvalidMessage"));
        headers.add("__connect.errors.exception.message", utf8(exc.getMessage()));
        headers.add("kb_dlq_partner", utf8(String.valueOf(header(raw, "kb_partner"))));
        headers.add("kb_dlq_failed_at", ascii(OffsetDateTime.now(ZoneOffset.UTC).toString()));
        return new Mapped(Target.DEADLETTER, key, value, headers);
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> units() {
        // connectors/units.py: the partners' spellings to the VERA MEETEENHEID codes.
        Map<String, String> units = new LinkedHashMap<>();
        for (String name : List.of("UUR", "U")) units.put(name, "UUR");
        for (String name : List.of("ST", "STK", "STU", "STUKS")) units.put(name, "STU");
        for (String name : List.of("M", "M1", "MTR")) units.put(name, "MTR");
        units.put("M2", "M2");
        units.put("M3", "M3");
        units.put("L", "LTR");
        units.put("LTR", "LTR");
        units.put("KG", "KGR");
        units.put("KGR", "KGR");
        units.put("MIN", "MIN");
        return Map.copyOf(units);
    }
}
