import FanfareConnectors
import Foundation
import Testing

/// SigV4 against AWS's published examples: the Signature Version 4 test
/// suite (as kept in awslabs/aws-c-auth, tests/aws-signing-test-suite/v4:
/// service `service`, region us-east-1, 2015-08-30T12:36:00Z, the key pair
/// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY), and the S3
/// examples of "Signature Calculations for the Authorization Header"
/// (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html),
/// whose PUT was also worked through by hand with Python's hmac.
@Suite struct AWSSignatureV4Tests {
    static let suiteKey = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let suiteScope = AWSSignatureV4.Scope(date: Date(timeIntervalSince1970: 1_440_938_160), region: "us-east-1", service: "service")
    static let s3Key = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let s3Scope = AWSSignatureV4.Scope(date: Date(timeIntervalSince1970: 1_369_353_600), region: "us-east-1", service: "s3")

    func suiteRequest(
        _ method: String = "GET", path: String = "/", query: [(name: String, value: String)] = [], headers: [(String, String)] = []
    )
        -> AWSSignatureV4.Request
    {
        AWSSignatureV4.Request(
            method: method, path: path, query: query,
            headers: [(name: "Host", value: "example.amazonaws.com")] + headers.map { (name: $0.0, value: $0.1) }
                + [(name: "X-Amz-Date", value: "20150830T123600Z")])
    }

    @Test func getVanillaMatchesTheSuiteStepByStep() {
        let request = suiteRequest()
        let (canonical, signed) = AWSSignatureV4.canonicalRequest(request)
        #expect(
            canonical == """
                GET
                /

                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(signed == "host;x-amz-date")
        let stringToSign = AWSSignatureV4.stringToSign(canonicalRequest: canonical, scope: Self.suiteScope)
        #expect(
            stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/service/aws4_request
                bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
                """)
        #expect(
            AWSSignatureV4.signature(stringToSign: stringToSign, secret: Self.suiteKey.secretAccessKey, scope: Self.suiteScope)
                == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            AWSSignatureV4.authorization(request, credentials: Self.suiteKey, scope: Self.suiteScope)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    /// Other cases of the suite: query order and encoding, header trimming
    /// and repetition, UTF-8 and spaces in the path, a signed body.
    @Test(arguments: [
        ("get-vanilla-query-order-key-case", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("get-vanilla-query-unreserved", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        ("get-vanilla-utf8-query", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        ("get-header-value-trim", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        ("get-header-key-duplicate", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        ("get-unreserved", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        ("get-utf8", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        ("get-space-unnormalized", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        ("post-x-www-form-urlencoded", "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"),
    ])
    func theSuitesCasesSignAsPublished(name: String, signature: String) {
        let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        let request: AWSSignatureV4.Request
        switch name {
        case "get-vanilla-query-order-key-case": request = suiteRequest(query: [("Param2", "value2"), ("Param1", "value1")])
        case "get-vanilla-query-unreserved": request = suiteRequest(query: [(unreserved, unreserved)])
        case "get-vanilla-utf8-query": request = suiteRequest(query: [("ሴ", "bar")])
        case "get-header-value-trim": request = suiteRequest(headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")])
        case "get-header-key-duplicate":
            request = suiteRequest(headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")])
        case "get-unreserved": request = suiteRequest(path: "/" + unreserved)
        case "get-utf8": request = suiteRequest(path: "/ሴ")
        case "get-space-unnormalized": request = suiteRequest(path: "/example space/")
        default:
            let body = Data("Param1=value1".utf8)
            var post = suiteRequest(
                "POST",
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "13"),
                    ("x-amz-content-sha256", AWSSignatureV4.payloadHash(body)),
                ])
            post.payloadHash = AWSSignatureV4.payloadHash(body)
            request = post
        }
        let authorization = AWSSignatureV4.authorization(request, credentials: Self.suiteKey, scope: Self.suiteScope)
        #expect(authorization.hasSuffix("Signature=\(signature)"), "\(name): \(AWSSignatureV4.canonicalRequest(request).text)")
    }

    /// S3's GET Object example: a range of an object, the empty payload's hash.
    @Test func theS3GetObjectExampleSignsAsPublished() {
        let request = AWSSignatureV4.Request(
            method: "GET", path: "/test.txt",
            headers: [
                ("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9"), ("x-amz-content-sha256", AWSSignatureV4.emptyPayloadHash),
                ("x-amz-date", "20130524T000000Z"),
            ])
        let canonical = AWSSignatureV4.canonicalRequest(request).text
        #expect(
            AWSSignatureV4.stringToSign(canonicalRequest: canonical, scope: Self.s3Scope).hasSuffix(
                "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(
            AWSSignatureV4.authorization(request, credentials: Self.s3Key, scope: Self.s3Scope)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    /// S3's PUT Object example (`test$file.text`, "Welcome to Amazon S3."):
    /// the `$` encoded once in the path, the body's hash signed and sent.
    @Test func theS3PutObjectExampleSignsAsPublished() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = AWSSignatureV4.payloadHash(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let request = AWSSignatureV4.Request(
            method: "PUT", path: "/test$file.text",
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-date", "20130524T000000Z"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", hash),
            ], payloadHash: hash)
        let canonical = AWSSignatureV4.canonicalRequest(request).text
        #expect(canonical.hasPrefix("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n"))
        #expect(
            AWSSignatureV4.stringToSign(canonicalRequest: canonical, scope: Self.s3Scope).hasSuffix(
                "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        #expect(
            AWSSignatureV4.authorization(request, credentials: Self.s3Key, scope: Self.s3Scope).hasSuffix(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
            ))
    }

    @Test func signAddsTheDateAndAuthorizationAndTheSecretNeverPrints() {
        let request = AWSSignatureV4.Request(method: "GET", path: "/", headers: [("host", "example.amazonaws.com")])
        let added = AWSSignatureV4.sign(request, credentials: Self.suiteKey, scope: Self.suiteScope)
        #expect(added.map(\.name) == ["x-amz-date", "authorization"])
        #expect(added[1].value.hasSuffix("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"))
        #expect(!String(describing: Self.suiteKey).contains("EXAMPLEKEY"))
        #expect(!"\(Self.suiteKey)".contains(Self.suiteKey.secretAccessKey))
    }

    @Test func objectsAreAddressedPathStyleOrVirtualHosted() {
        let key = AWSCredentials(accessKeyID: "a", secretAccessKey: "s3cr3t-value")
        var config = S3Configuration(
            endpoint: URL(string: "http://127.0.0.1:9000")!, region: "us-east-1", bucket: "media", credentials: key, pathStyle: true)
        var location = config.location(of: "ws/ab cd.jpg")
        #expect(location.url.absoluteString == "http://127.0.0.1:9000/media/ws/ab%20cd.jpg")
        #expect(location.host == "127.0.0.1:9000" && location.path == "/media/ws/ab cd.jpg")
        config.pathStyle = false
        config.endpoint = URL(string: "https://oss-cn-hangzhou.aliyuncs.com")!
        location = config.location(of: "ws/x.png")
        #expect(location.url.absoluteString == "https://media.oss-cn-hangzhou.aliyuncs.com/ws/x.png")
        #expect(location.host == "media.oss-cn-hangzhou.aliyuncs.com" && location.path == "/ws/x.png")
        config.endpoint = URL(string: "https://cos.ap-guangzhou.myqcloud.com:443")!
        #expect(config.location(of: "k").host == "media.cos.ap-guangzhou.myqcloud.com")
        #expect(!config.description.contains("s3cr3t-value") && config.description.contains("bucket media"))
    }

    @Test(arguments: [("media", true), ("fan-fare.media-01", true), ("ab", false), ("Media", false), ("-media", false), ("a..b", false)])
    func bucketNamesAreChecked(name: String, valid: Bool) {
        #expect(S3Configuration.isValidBucket(name) == valid)
    }
}
