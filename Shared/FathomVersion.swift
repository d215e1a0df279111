public enum FathomVersion { public static let string = "0.1.0" }
