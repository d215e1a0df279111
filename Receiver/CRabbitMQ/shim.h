// rabbitmq-c (Debian librabbitmq-dev) for the receiver's RabbitMQ forwarding.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>

// amqp_login is variadic, which Swift cannot call: the PLAIN form with its two strings.
static inline amqp_rpc_reply_t fathom_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                       int frame_max, int heartbeat, const char *user,
                                                       const char *password) {
    return amqp_login(state, vhost, 0, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

// Property flags (shift expressions in the header) as plain constants.
static const amqp_flags_t fathom_amqp_basic_flags =
    AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
    AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG;

// Method ids (casts in the header, which Swift does not import).
static const amqp_method_number_t fathom_amqp_basic_ack_method = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t fathom_amqp_basic_nack_method = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t fathom_amqp_basic_return_method = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t fathom_amqp_channel_close_method = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t fathom_amqp_connection_close_method = AMQP_CONNECTION_CLOSE_METHOD;
