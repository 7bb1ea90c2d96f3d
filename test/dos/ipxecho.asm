; IPXECHO.COM - answers every IPX packet on socket 4444h with one back to its sender.
;
; The reply goes to the request's source network, node and socket (the network is the one the
; first router wrote into the zero source network, so the reply crosses the same routers back),
; with the request's payload, byte 7 of it set to the transport control the request arrived with
; (the routers it crossed); anything else on the socket is ignored. Once its socket is open it
; broadcasts one 'READY!' packet on its network, which tells the test it is listening. Runs until DOSBox ends: it is the responder of the internetwork test,
; as DOSBox's own IPXNET PING responder cannot be (its answer goes to network 0, this network).
        cpu     386                     ; near conditional jumps (DOSBox's cputype=auto is a 386 or later)
        org     100h
%include "ipx.inc"

ECHO_SOCKET equ 4444h

start:  mov     ax, cs
        mov     [rx_seg], ax
        mov     [tx_seg], ax
        push    cs
        pop     es
        mov     al, 0                   ; short-lived socket
        mov     dx, ECHO_SOCKET         ; big-endian (a palindrome)
        ipx     IPX_OPEN_SOCKET
        or      al, al
        jnz     fail
        mov     dx, ready
        mov     ah, 09h
        int     21h
        ; Says it is ready on the wire: a broadcast on this network to socket 4444 with 'READY!'
        ; (not an echo request, so no IPXECHO answers it). The immediate address stays zero, so
        ; DOSBox does not loop it back to this program ([074] ipx.cpp sendPacket: only an
        ; immediate address of FF*6 is a local broadcast).
        mov     di, txbuf + HDR_DST + 4
        mov     al, 0FFh
        mov     cx, 6
        rep     stosb
        mov     word [txbuf + HDR_DST + 10], ECHO_SOCKET
        mov     si, announce
        mov     di, txbuf + HDR_LENGTH
        mov     cx, 6
        rep     movsb
        send_wait
listen: mov     si, rx
        ipx     IPX_LISTEN
.wait:  ipx     IPX_RELINQUISH
        cmp     byte [rx + ECB_INUSE], 0
        jne     .wait
        cmp     byte [rx + ECB_COMPLETION], 0
        jne     listen
        mov     si, rxbuf + HDR_LENGTH          ; only requests: the payload starts 'IPXLAB'
        mov     di, magic
        mov     cx, 6
        repe    cmpsb
        jne     listen
        ; The reply: the request's source as destination, its payload with the hops it crossed.
        mov     si, rxbuf + HDR_SRC
        mov     di, txbuf + HDR_DST
        mov     cx, 12
        rep     movsb
        mov     si, rxbuf + HDR_LENGTH
        mov     di, txbuf + HDR_LENGTH
        mov     cx, PAYLOAD_LENGTH
        rep     movsb
        mov     al, [rxbuf + HDR_TC]
        mov     [txbuf + HDR_LENGTH + 7], al
        mov     byte [txbuf + HDR_TC], 0
        mov     byte [txbuf + HDR_TYPE], 4      ; Packet Exchange Packet
        mov     si, rxbuf + HDR_SRC + 4         ; immediate address: the sender's node
        mov     di, tx + ECB_IMMEDIATE
        mov     cx, 6
        rep     movsb
        send_wait
        jmp     listen
fail:   mov     dx, nosock
        mov     ah, 09h
        int     21h
        mov     ax, 4C01h
        int     21h

magic:  db      'IPXLAB'
announce: db    'READY!'
ready:  db      'IPXECHO: listening on socket 4444', 13, 10, '$'
nosock: db      'IPXECHO: cannot open socket 4444', 13, 10, '$'
        ecbs    ECHO_SOCKET
