#ifndef SLUICE_CSRTP_SHIM_H
#define SLUICE_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif
