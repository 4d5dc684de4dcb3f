internal import Foundation

/// Checks textual IP addresses without touching the network.
public enum IPAddressText {
    public static func isValid(_ text: String) -> Bool {
        isIPv4(text) || isIPv6(text)
    }

    public static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return text.withCString { inet_pton(AF_INET, $0, &address) } == 1
    }

    public static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return text.withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }

    public static func isUnspecified(_ text: String) -> Bool {
        text == "0.0.0.0" || text == "::" || text == "0:0:0:0:0:0:0:0"
    }
}
