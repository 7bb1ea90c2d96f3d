; IPXPING.COM - sends PINGS packets to TARGET (network, node, socket: patched into the program
; before it runs, at the bytes after the marker 'TARGET>') and prints each answer IPXECHO.COM
; sends back:
;   reply 1 from 0000C005:7F0000051A2B:4444 routers there 04 back 04
;   no reply 2
; "routers there" is the transport control the request reached the responder with, "back" the
; reply's: each router a packet crosses adds one (Novell's router spec: ipx-reference §4).
; A reply waits at most TIMEOUT_TICKS BIOS ticks (18.2 a second, 0040:006C).
        cpu     386                     ; near conditional jumps (DOSBox's cputype=auto is a 386 or later)
        org     100h
%include "ipx.inc"

PING_SOCKET   equ 4545h
PINGS         equ 3
TIMEOUT_TICKS equ 36

start:  mov     ax, cs
        mov     [rx_seg], ax
        mov     [tx_seg], ax
        push    cs
        pop     es
        mov     al, 0
        mov     dx, PING_SOCKET
        ipx     IPX_OPEN_SOCKET
        or      al, al
        jz      .open
        mov     dx, nosock
        jmp     quit
.open:  mov     si, target              ; the destination and the immediate address (its node)
        mov     di, txbuf + HDR_DST
        mov     cx, 12
        rep     movsb
        mov     si, target + 4
        mov     di, tx + ECB_IMMEDIATE
        mov     cx, 6
        rep     movsb
        mov     byte [txbuf + HDR_TYPE], 4
        mov     si, magic
        mov     di, txbuf + HDR_LENGTH
        mov     cx, 6
        rep     movsb
ping:   mov     si, rx
        ipx     IPX_LISTEN
        mov     al, [seq]
        mov     [txbuf + HDR_LENGTH + 6], al
        mov     byte [txbuf + HDR_TC], 0
        send_wait
        call    ticks
        mov     [t0], ax
.wait:  ipx     IPX_RELINQUISH
        cmp     byte [rx + ECB_INUSE], 0
        je      .got
        call    ticks
        sub     ax, [t0]
        cmp     ax, TIMEOUT_TICKS
        jb      .wait
        mov     si, rx
        ipx     IPX_CANCEL
        mov     dx, noreply
        mov     ah, 09h
        int     21h
        call    print_seq
        jmp     .next
.got:   cmp     byte [rx + ECB_COMPLETION], 0
        jne     ping                    ; a failed receive: listen again, same sequence
        mov     al, [seq]
        cmp     [rxbuf + HDR_LENGTH + 6], al
        jne     ping                    ; not the answer to this request (a late one)
        mov     dx, reply
        mov     ah, 09h
        int     21h
        call    print_seq
        mov     dx, from
        mov     ah, 09h
        int     21h
        mov     si, rxbuf + HDR_SRC     ; network:node:socket, hex
        mov     cx, 4
        call    hex_bytes
        call    colon
        mov     cx, 6
        call    hex_bytes
        call    colon
        mov     cx, 2
        call    hex_bytes
        mov     dx, there
        mov     ah, 09h
        int     21h
        mov     al, [rxbuf + HDR_LENGTH + 7]
        call    hex_byte
        mov     dx, back
        mov     ah, 09h
        int     21h
        mov     al, [rxbuf + HDR_TC]
        call    hex_byte
.next:  mov     dx, crlf
        mov     ah, 09h
        int     21h
        inc     byte [seq]
        cmp     byte [seq], PINGS
        jbe     ping
        mov     dx, PING_SOCKET
        ipx     IPX_CLOSE_SOCKET
        mov     dx, done
quit:   mov     ah, 09h
        int     21h
        mov     ax, 4C00h
        int     21h

; AX = the BIOS tick count's low word.
ticks:  push    es
        mov     ax, 40h
        mov     es, ax
        mov     ax, [es:6Ch]
        pop     es
        ret
print_seq:
        mov     dl, [seq]
        add     dl, '0'
        mov     ah, 02h
        int     21h
        ret
colon:  mov     dl, ':'
        mov     ah, 02h
        int     21h
        ret
; CX bytes at DS:SI as hex.
hex_bytes:
        lodsb
        call    hex_byte
        loop    hex_bytes
        ret
; AL as two hex digits.
hex_byte:
        push    cx
        push    ax
        mov     cl, 4
        shr     al, cl
        call    hex_digit
        pop     ax
        push    ax
        and     al, 0Fh
        call    hex_digit
        pop     ax
        pop     cx
        ret
hex_digit:
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '9' - 1
.out:   mov     dl, al
        mov     ah, 02h
        int     21h
        ret

seq:    db      1
t0:     dw      0
magic:  db      'IPXLAB'
        db      'TARGET>'
target: db      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 44h, 44h
reply:  db      'reply $'
noreply: db     'no reply $'
from:   db      ' from $'
there:  db      ' routers there $'
back:   db      ' back $'
crlf:   db      13, 10, '$'
done:   db      'IPXPING: done', 13, 10, '$'
nosock: db      'IPXPING: cannot open socket 4545', 13, 10, '$'
        ecbs    PING_SOCKET
